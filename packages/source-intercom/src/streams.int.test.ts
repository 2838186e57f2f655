import type { JsonObject } from "@sluice/core";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { ids, readAll } from "./testing.js";

const PER_PAGE = 40;

describe("intercomSource against the simulator: every stream", () => {
  let sim: IntercomSimulator;
  const source = () =>
    intercomSource({
      accessToken: sim.token,
      baseUrl: sim.url,
      perPage: PER_PAGE,
      conversationConcurrency: 4,
    });

  // every test gets its own workspace
  beforeEach(async () => {
    sim = await startSimulator({
      seed: 7,
      contacts: 130,
      companies: 70,
      conversations: 45,
      admins: 5,
      teams: 3,
      tags: 9,
      segments: 4,
      largeConversations: 1,
      maxPartsPerConversation: 12,
      rateLimit: false,
      scrollPageSize: 20,
    });
  });
  afterEach(async () => sim?.close());

  it("check() succeeds with a valid token and calls GET /me", async () => {
    sim.resetStats();
    await source().check();
    expect(sim.stats().byRoute["GET /me"]).toBe(1);
  });

  it("discover() lists every stream with keys, cursors and custom attributes typed from data_attributes", async () => {
    const streams = await source().discover();
    const byName = new Map(streams.map((s) => [s.name, s]));
    for (const name of [
      "contacts",
      "companies",
      "admins",
      "conversations",
      "conversation_parts",
      "teams",
      "tags",
      "segments",
      "data_attributes",
      "deleted_conversations",
    ]) {
      expect(byName.get(name)?.primaryKey, name).toEqual(["id"]);
    }
    expect(byName.get("contacts")?.cursorField).toBe("updated_at");
    expect(byName.get("conversations")?.cursorField).toBe("updated_at");
    expect(byName.get("conversation_parts")?.schema?.required).toContain("conversation_id");
    const customContact = sim.workspace.dataAttributes.contact.filter((a) => a.custom === true);
    expect(customContact.length).toBeGreaterThan(0);
    const contactProps = byName.get("contacts")!.schema!.properties as JsonObject;
    const props = (contactProps.custom_attributes as JsonObject).properties as Record<
      string,
      { type: string[] }
    >;
    const expectedType: Record<string, string> = {
      string: "string",
      integer: "integer",
      float: "number",
      boolean: "boolean",
      date: "integer",
    };
    for (const a of customContact) {
      expect(props[String(a.name)]?.type, String(a.name)).toContain(expectedType[String(a.data_type)]);
    }
    const customCompany = sim.workspace.dataAttributes.company.filter((a) => a.custom === true);
    const companyProps = byName.get("companies")!.schema!.properties as JsonObject;
    const cprops = (companyProps.custom_attributes as JsonObject).properties as Record<string, unknown>;
    expect(Object.keys(cprops).sort()).toEqual(customCompany.map((a) => String(a.name)).sort());
  });

  it("contacts (full): cursor list pagination, every contact once, custom attributes preserved", async () => {
    sim.resetStats();
    const r = await readAll(source(), "contacts");
    const expected = sim.workspace.contacts;
    expect(ids(r.records)).toEqual(ids(expected));
    expect(new Set(ids(r.records)).size).toBe(r.records.length);
    expect(sim.stats().byRoute["GET /contacts"]).toBe(Math.ceil(expected.length / PER_PAGE));
    const byId = new Map(expected.map((c) => [String(c.id), c]));
    for (const c of r.records) {
      expect(c.custom_attributes).toEqual(byId.get(String(c.id))?.custom_attributes);
      expect(typeof c.id).toBe("string");
      expect(Number.isInteger(c.updated_at)).toBe(true);
    }
    const max = Math.max(...expected.map((c) => Number(c.updated_at)));
    expect(r.checkpoints.at(-1)).toEqual({ updated_at: max });
    expect(r.total).toBe(expected.length);
  });

  it("companies (scroll, default): every company, including those without users", async () => {
    sim.resetStats();
    const r = await readAll(source(), "companies");
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(sim.stats().byRoute["GET /companies/scroll"]).toBe(
      Math.ceil(sim.workspace.companies.length / 20) + 1,
    );
  });

  it("companies (list mode): page-number pagination of POST /companies/list, companies with users only", async () => {
    sim.resetStats();
    const r = await readAll(
      intercomSource({ accessToken: sim.token, baseUrl: sim.url, perPage: 15, companiesMode: "list" }),
      "companies",
    );
    const withUsers = sim.workspace.companies.filter((c) => Number(c.user_count) > 0);
    expect(withUsers.length).toBeLessThan(sim.workspace.companies.length); // the test can tell them apart
    expect(ids(r.records)).toEqual(ids(withUsers));
    expect(sim.stats().byRoute["POST /companies/list"]).toBe(Math.ceil(withUsers.length / 15));
  });

  it("admins, teams, tags, segments, data_attributes: single calls, ids as strings", async () => {
    const cases: Array<[string, JsonObject[]]> = [
      ["admins", sim.workspace.admins],
      ["teams", sim.workspace.teams],
      ["tags", sim.workspace.tags],
      ["segments", sim.workspace.segments],
      [
        "data_attributes",
        [
          ...sim.workspace.dataAttributes.contact,
          ...sim.workspace.dataAttributes.company,
          ...sim.workspace.conversationAttributes,
        ],
      ],
    ];
    for (const [stream, expected] of cases) {
      const r = await readAll(source(), stream);
      expect(r.records.length, stream).toBe(expected.length);
      for (const rec of r.records) expect(typeof rec.id, stream).toBe("string");
      if (stream !== "data_attributes") expect(ids(r.records), stream).toEqual(ids(expected));
    }
    const admins = await readAll(source(), "admins");
    for (const a of admins.records) {
      for (const t of (a.team_ids as unknown[]) ?? []) expect(typeof t).toBe("string");
    }
  });

  it("conversation custom attributes: fetched from GET /conversations/attributes, typed in the conversations schema", async () => {
    sim.resetStats();
    const attributes = await readAll(source(), "data_attributes");
    const conversation = attributes.records.filter((a) => a.model === "conversation");
    expect(conversation.map((a) => a.name).sort()).toEqual(
      sim.workspace.conversationAttributes.map((a) => a.name).sort(),
    );
    for (const a of conversation) {
      expect(a.id).toMatch(/^conversation:\d+$/);
      expect(a.full_name).toBe(`custom_attributes.${String(a.name)}`);
    }
    expect(sim.stats().byRoute["GET /conversations/attributes"]).toBe(1);
    const streams = await source().discover();
    const schema = streams.find((d) => d.name === "conversations")?.schema as {
      properties: { custom_attributes: { properties: Record<string, { type: string[] }> } };
    };
    const custom = schema.properties.custom_attributes.properties;
    expect(custom["Issue type"]?.type).toEqual(["string", "null"]);
    expect(custom.Escalated?.type).toEqual(["boolean", "null"]);
    expect(custom["Refund amount"]?.type).toEqual(["number", "null"]);
  });

  it("conversations (full): list + one GET per conversation, parts embedded, > 500 parts reported as truncated", async () => {
    sim.resetStats();
    const r = await readAll(source(), "conversations");
    const expected = sim.workspace.conversations;
    expect(ids(r.records)).toEqual(ids(expected));
    const stats = sim.stats();
    expect(stats.byRoute["GET /conversations/{id}"]).toBe(expected.length);
    expect(stats.byRoute["GET /conversations"]).toBe(Math.ceil(expected.length / PER_PAGE));
    const byId = new Map(expected.map((c) => [String(c.id), c]));
    const truncated: string[] = [];
    for (const c of r.records) {
      const all = byId.get(String(c.id))!.parts;
      const parts = (c.conversation_parts as JsonObject).conversation_parts as JsonObject[];
      expect(parts.length).toBe(Math.min(all.length, 500));
      expect(c.parts_truncated).toBe(all.length > 500);
      if (all.length > 500) truncated.push(String(c.id));
      for (const p of parts) expect(typeof p.id).toBe("string");
    }
    expect(truncated.length).toBe(1);
    const warnings = r.warnings.filter((w) => w.code === "conversation_parts_truncated");
    expect(warnings.map((w) => w.details?.conversation_id)).toEqual(truncated);
    expect(warnings[0]?.details?.fetched).toBe(500);
    expect(Number(warnings[0]?.details?.expected)).toBeGreaterThan(500);
  });

  it("conversation_parts: one record per part with conversation_id", async () => {
    const r = await readAll(source(), "conversation_parts");
    const expectedCount = sim.workspace.conversations.reduce((n, c) => n + Math.min(c.parts.length, 500), 0);
    expect(r.records.length).toBe(expectedCount);
    const convIds = new Set(sim.workspace.conversations.map((c) => String(c.id)));
    for (const p of r.records) expect(convIds.has(String(p.conversation_id))).toBe(true);
    expect(new Set(r.records.map((p) => `${p.conversation_id}/${p.id}`)).size).toBe(r.records.length);
  });

  it("conversations with includeParts false: list items only, no detail calls", async () => {
    sim.resetStats();
    const r = await readAll(
      intercomSource({ accessToken: sim.token, baseUrl: sim.url, perPage: PER_PAGE, includeParts: false }),
      "conversations",
    );
    expect(r.records.length).toBe(sim.workspace.conversations.length);
    expect(sim.stats().byRoute["GET /conversations/{id}"] ?? 0).toBe(0);
  });
});
