import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

const NOW = 1763900000;
let sim: IntercomSimulator;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  sim = await startSimulator({
    seed: 7,
    contacts: 300,
    companies: 40,
    conversations: 60,
    now: NOW,
    rateLimit: false,
  });
  call = client(sim.url, sim.token);
});
afterAll(() => sim.close());

describe("auth, headers and envelopes", () => {
  it("rejects a wrong or missing token with the 401 envelope and no rate-limit headers", async () => {
    for (const token of ["wrong", null]) {
      const r = await call("/contacts", { token });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({
        type: "error.list",
        errors: [{ code: "unauthorized", message: "Access Token Invalid" }],
      });
      expect(typeof r.json.request_id).toBe("string");
      expect(r.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });

  it("accepts any token of a configured list", async () => {
    const multi = await startSimulator({
      contacts: 5,
      conversations: 1,
      companies: 2,
      token: ["a-token", "b-token"],
    });
    try {
      expect((await client(multi.url, "b-token")("/me")).status).toBe(200);
      expect((await client(multi.url, "c-token")("/me")).status).toBe(401);
    } finally {
      await multi.close();
    }
  });

  it("requires Accept: application/json (406) and a known Intercom-Version (400)", async () => {
    expect((await call("/me", { headers: { Accept: "text/html" } })).status).toBe(406);
    expect((await call("/me", { headers: { Accept: "text/html, text/plain;q=0.9" } })).status).toBe(406);
    // media ranges that admit JSON are accepted (the official SDK sends */*)
    for (const accept of ["*/*", "application/*", "text/html, application/json;q=0.9", "application/json"]) {
      expect((await call("/me", { headers: { Accept: accept } })).status, accept).toBe(200);
    }
    const bad = await call("/me", { headers: { "Intercom-Version": "9.99" } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].code).toBe("intercom_version_invalid");
    expect((await call("/me", { headers: { "Intercom-Version": "2.14" } })).status).toBe(200);
  });

  it("answers unknown routes and wrong methods with 404 not_found", async () => {
    const r = await call("/nope");
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ type: "error.list", errors: [{ code: "not_found" }] });
    expect((await call("/contacts", { method: "DELETE" })).status).toBe(404);
  });

  it("serves /me with the app", async () => {
    const r = await call("/me");
    expect(r.json).toMatchObject({
      type: "admin",
      id: sim.workspace.admins[0]?.id,
      app: { type: "app", id_code: sim.workspace.appId },
    });
  });
});

describe("unpaginated lists", () => {
  it("admins and teams cross-reference with integer ids", async () => {
    const admins = (await call("/admins")).json;
    const teams = (await call("/teams")).json;
    expect(admins.type).toBe("admin.list");
    expect(teams.type).toBe("team.list");
    expect(admins.admins).toHaveLength(12);
    for (const team of teams.teams) {
      for (const adminId of team.admin_ids) {
        expect(typeof adminId).toBe("number");
        const admin = admins.admins.find((a: { id: string }) => a.id === String(adminId));
        expect(admin.team_ids).toContain(Number(team.id));
      }
    }
  });

  it("tags, segments (with include_count) and data attributes", async () => {
    const tags = (await call("/tags")).json;
    expect(tags).toMatchObject({ type: "list" });
    expect(tags.data).toHaveLength(25);
    const segs = (await call("/segments?include_count=true")).json;
    expect(segs.type).toBe("segment.list");
    expect(segs.segments.every((s: { count: unknown }) => typeof s.count === "number")).toBe(true);
    const attrs = (await call("/data_attributes?model=contact")).json;
    expect(attrs.type).toBe("list");
    const ring = attrs.data.find((a: { name: string }) => a.name === "The One Ring");
    expect(ring).toMatchObject({
      full_name: "custom_attributes.The One Ring",
      custom: true,
      model: "contact",
    });
    expect(typeof ring.id).toBe("number");
    expect(attrs.data.some((a: { archived: boolean }) => a.archived)).toBe(false);
    const archived = (await call("/data_attributes?model=contact&include_archived=true")).json;
    expect(archived.data.some((a: { archived: boolean }) => a.archived)).toBe(true);
    const conv = await call("/data_attributes?model=conversation");
    expect(conv.status).toBe(422);
    expect(conv.json.errors[0].code).toBe("parameter_invalid");
    expect((await call("/conversations/attributes")).json.data.length).toBeGreaterThan(0);
  });
});

describe("entities", () => {
  it("contacts have the 2.16 shape with truncated sub-lists", async () => {
    const all = sim.workspace.contacts;
    const many = all.find((c) => (c.tags as { total_count: number }).total_count > 10);
    expect(many).toBeDefined();
    const r = await call(`/contacts/${many?.id}`);
    expect(r.status).toBe(200);
    expect(r.json.type).toBe("contact");
    expect(r.json.id).toMatch(/^[0-9a-f]{24}$/);
    expect(r.json.tags).toMatchObject({ type: "list", has_more: true, url: `/contacts/${many?.id}/tags` });
    expect(r.json.tags.data).toHaveLength(10);
    const full = await call(`/contacts/${many?.id}/tags`);
    expect(full.json.data.length).toBe(r.json.tags.total_count);
    const types = new Set(
      all.flatMap((c) => Object.values(c.custom_attributes as object).map((v) => typeof v)),
    );
    expect([...types].sort()).toEqual(["boolean", "number", "object", "string"]); // object = null values
    expect(all.some((c) => c.name === null)).toBe(true);
    expect(all.some((c) => /[\u0590-\u06ff]/.test(String(c.name)))).toBe(true);
  });

  it("companies include some with no users", async () => {
    const cos = sim.workspace.companies;
    expect(cos.some((c) => c.user_count === 0)).toBe(true);
    const c = cos[0];
    const r = await call(`/companies/${c?.id}`);
    expect(r.json).toMatchObject({
      type: "company",
      id: c?.id,
      tags: { type: "tag.list" },
      segments: { type: "segment.list" },
    });
    expect((await call("/companies/000000000000000000000000")).json.errors[0].code).toBe("company_not_found");
  });

  it("conversations have 2.16 assignee and priority semantics and statistics", async () => {
    const list = (await call("/conversations?per_page=150")).json;
    expect(list.type).toBe("conversation.list");
    const convs = list.conversations;
    expect(convs.some((c: { admin_assignee_id: number }) => c.admin_assignee_id === 0)).toBe(true);
    expect(convs.every((c: { admin_assignee_id: unknown }) => typeof c.admin_assignee_id === "number")).toBe(
      true,
    );
    expect(new Set(convs.map((c: { priority: string }) => c.priority)).size).toBeGreaterThan(1);
    for (const c of convs) {
      expect(["none", "low", "medium", "high", "urgent"]).toContain(c.priority);
      expect(c.conversation_parts).toBeUndefined();
      expect(c.statistics.count_conversation_parts).toBe(sim.workspace.conversation(c.id)?.parts.length);
    }
    const old = (await call("/conversations?per_page=150", { headers: { "Intercom-Version": "2.15" } })).json;
    expect(old.conversations.some((c: { admin_assignee_id: unknown }) => c.admin_assignee_id === null)).toBe(
      true,
    );
  });
});
