import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

let sim: IntercomSimulator;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 9,
    contacts: 100,
    companies: 10,
    conversations: 40,
    largeConversations: 2,
    rateLimit: false,
  });
  call = client(sim.url, sim.token);
});
afterAll(() => sim.close());

describe("GET /conversations/{id} parts (§4.4)", () => {
  it("caps parts at the 500 most recent while statistics tell the truth", async () => {
    const large = sim.workspace.conversations.filter((c) => c.parts.length > 500);
    expect(large).toHaveLength(2);
    for (const conv of large) {
      const r = await call(`/conversations/${conv.id}`);
      expect(r.status).toBe(200);
      const parts = r.json.conversation_parts;
      expect(parts.type).toBe("conversation_part.list");
      expect(parts.conversation_parts).toHaveLength(500);
      expect(parts.total_count).toBe(500);
      expect(r.json.statistics.count_conversation_parts).toBe(conv.parts.length);
      expect(conv.parts.length).toBeGreaterThanOrEqual(520);
      expect(conv.parts.length).toBeLessThanOrEqual(700);
      // the most recent 500, oldest first
      expect(parts.conversation_parts.map((p: { id: string }) => p.id)).toEqual(
        conv.parts.slice(-500).map((p) => p.id),
      );
      const times = parts.conversation_parts.map((p: { created_at: number }) => p.created_at);
      expect(times).toEqual([...times].sort((a: number, b: number) => a - b));
    }
  });

  it("small conversations return all parts; source is the first message, not a part", async () => {
    const small = sim.workspace.conversations.find((c) => c.parts.length > 2 && c.parts.length < 500);
    const r = await call(`/conversations/${small?.id}`);
    expect(r.json.conversation_parts.total_count).toBe(small?.parts.length);
    expect(r.json.source.id).toBeDefined();
    expect(
      r.json.conversation_parts.conversation_parts.some((p: { id: string }) => p.id === r.json.source.id),
    ).toBe(false);
    for (const p of r.json.conversation_parts.conversation_parts) {
      expect(p).toMatchObject({ type: "conversation_part" });
      expect(typeof p.id).toBe("string");
      expect(typeof p.part_type).toBe("string");
    }
  });

  it("partsTotalCount 'all' reports every part in total_count", async () => {
    const other = await startSimulator({
      seed: 9,
      contacts: 100,
      companies: 10,
      conversations: 40,
      largeConversations: 2,
      rateLimit: false,
      partsTotalCount: "all",
    });
    try {
      const large = other.workspace.conversations.find((c) => c.parts.length > 500);
      const r = await client(other.url, other.token)(`/conversations/${large?.id}`);
      expect(r.json.conversation_parts.conversation_parts).toHaveLength(500);
      expect(r.json.conversation_parts.total_count).toBe(large?.parts.length);
    } finally {
      await other.close();
    }
  });

  it("404 for unknown ids; display_as=plaintext strips markup", async () => {
    const r = await call("/conversations/999999999");
    expect(r.status).toBe(404);
    expect(r.json.errors[0].code).toBe("not_found");
    const conv = sim.workspace.conversations[0];
    const plain = await call(`/conversations/${conv?.id}?display_as=plaintext`);
    expect(plain.json.source.body).not.toMatch(/<p>/);
  });

  it("2.16 fields: channel, company, external_references on conversations and notes on companies; absent before 2.16", async () => {
    const list = await call("/conversations?per_page=150");
    const convs = list.json.conversations as Record<string, unknown>[];
    for (const c of convs) {
      expect(c).toHaveProperty("channel");
      expect(c).toHaveProperty("company");
      expect(Array.isArray(c.external_references)).toBe(true);
    }
    expect(
      convs.some(
        (c) => c.channel !== null && typeof (c.channel as { initial: unknown }).initial === "string",
      ),
    ).toBe(true);
    expect(convs.some((c) => c.company !== null && (c.company as { type: string }).type === "company")).toBe(
      true,
    );
    const old = await call("/conversations?per_page=5", { headers: { "Intercom-Version": "2.15" } });
    for (const c of old.json.conversations) expect(c).not.toHaveProperty("channel");
    const companies = await call("/companies/list?per_page=50", { method: "POST" });
    for (const co of companies.json.data) expect(co.notes.type).toBe("note.list");
    const oldCompanies = await call("/companies/list?per_page=5", {
      method: "POST",
      headers: { "Intercom-Version": "2.15" },
    });
    for (const co of oldCompanies.json.data) expect(co).not.toHaveProperty("notes");
  });
});
