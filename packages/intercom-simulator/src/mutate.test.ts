import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

const NOW = 1763900000;
let sim: IntercomSimulator;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 21,
    contacts: 400,
    companies: 20,
    conversations: 80,
    now: NOW,
    rateLimit: false,
  });
  call = client(sim.url, sim.token);
});
afterAll(() => sim.close());

async function searchIds(path: string, query: unknown): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const r = await call(path, {
      body: { query, pagination: { per_page: 150, ...(after ? { starting_after: after } : {}) } },
    });
    ids.push(...(r.json.data ?? r.json.conversations).map((x: { id: string }) => x.id));
    after = r.json.pages.next?.starting_after;
  } while (after);
  return ids.sort();
}

describe("mutate", () => {
  it("generated data lies before now; the workspace is deterministic per seed", async () => {
    expect(sim.workspace.contacts.every((c) => (c.updated_at as number) <= NOW)).toBe(true);
    expect(sim.workspace.conversations.every((c) => (c.updated_at as number) <= NOW)).toBe(true);
    const twin = await startSimulator({
      seed: 21,
      contacts: 400,
      companies: 20,
      conversations: 80,
      now: NOW,
    });
    try {
      expect(twin.workspace.contacts.slice(0, 20)).toEqual(sim.workspace.contacts.slice(0, 20));
      expect(twin.workspace.conversation("1005")).toEqual(sim.workspace.conversation("1005"));
    } finally {
      await twin.close();
    }
  });

  it("updates and adds contacts at the advanced now; incremental search sees exactly them", async () => {
    const m = sim.mutate({ advanceSeconds: 3 * 86_400, updateContacts: 7, addContacts: 4 });
    expect(m.now).toBe(NOW + 3 * 86_400);
    expect(m.updatedContacts).toHaveLength(7);
    const changed = await searchIds("/contacts/search", {
      field: "updated_at",
      operator: ">",
      value: NOW + 86_400,
    });
    expect(changed).toEqual([...m.updatedContacts, ...m.addedContacts].sort());
    const got = await call(`/contacts/${m.updatedContacts[0]}`);
    expect(got.json.updated_at).toBe(m.now);
  });

  it("adding parts moves updated_at and statistics; conversation search sees it", async () => {
    const before = sim.workspace.conversations;
    const m = sim.mutate({ advanceSeconds: 60, addParts: 5, updateConversations: 2 });
    const touched = new Set([...m.conversationsWithNewParts, ...m.updatedConversations]);
    const found = await searchIds("/conversations/search", {
      field: "updated_at",
      operator: ">",
      value: m.now,
    });
    expect(found).toEqual([...touched].sort());
    const id = m.conversationsWithNewParts[0] as string;
    const prev = before.find((c) => c.id === id);
    const r = await call(`/conversations/${id}`);
    expect(r.json.updated_at).toBe(m.now);
    expect(r.json.statistics.count_conversation_parts).toBeGreaterThan(prev?.parts.length as number);
    const parts = r.json.conversation_parts.conversation_parts;
    expect(parts.at(-1).created_at).toBe(m.now);
  });

  it("deleted conversations vanish from get/list/search and appear in /conversations/deleted", async () => {
    const m = sim.mutate({ advanceSeconds: 10, deleteConversations: 3 });
    const id = m.deletedConversations[0] as string;
    expect((await call(`/conversations/${id}`)).status).toBe(404);
    const all = await searchIds("/conversations/search", { field: "id", operator: "!=", value: "x" });
    expect(all.some((x) => m.deletedConversations.includes(x))).toBe(false);
    const list = await call("/conversations?per_page=150");
    expect(list.json.total_count).toBe(77);
    const deleted = await call("/conversations/deleted?per_page=60");
    const entry = deleted.json.conversations.find((c: { id: string }) => c.id === id);
    expect(entry).toMatchObject({ type: "conversation", id, deleted_at: m.now });
    expect(typeof entry.metrics_retained).toBe("boolean");
  });

  it("merged contacts vanish from list/search; GET gives 410 contact_merged with a Link header", async () => {
    const m = sim.mutate({ advanceSeconds: 10, mergeContacts: 3 });
    expect(m.mergedContacts).toHaveLength(3);
    const { from, into } = m.mergedContacts[0] as { from: string; into: string };
    const r = await call(`/contacts/${from}`);
    expect(r.status).toBe(410);
    expect(r.json.errors[0].code).toBe("contact_merged");
    expect(r.headers.get("link")).toBe(`</contacts/${into}>; rel="canonical"`);
    const old = await call(`/contacts/${from}`, { headers: { "Intercom-Version": "2.15" } });
    expect(old.status).toBe(404);
    const leads = await searchIds("/contacts/search", { field: "role", operator: "=", value: "lead" });
    expect(leads.includes(from)).toBe(false);
    const listed: string[] = [];
    let after: string | undefined;
    do {
      const page = await call(`/contacts?per_page=150${after ? `&starting_after=${after}` : ""}`);
      listed.push(...page.json.data.map((c: { id: string }) => c.id));
      after = page.json.pages.next?.starting_after;
    } while (after);
    expect(listed).toHaveLength(sim.workspace.contacts.length);
    expect(listed.includes(from)).toBe(false);
    expect(listed.includes(into)).toBe(true);
    expect((await call(`/contacts/${into}`)).json.updated_at).toBe(m.now);
  });

  it("deleted contacts vanish from list, search and total_count; GET answers 404 in every version", async () => {
    const before = (await call("/contacts?per_page=1")).json.total_count as number;
    const m = sim.mutate({ advanceSeconds: 10, deleteContacts: 4 });
    expect(m.deletedContacts).toHaveLength(4);
    const after = (await call("/contacts?per_page=1")).json.total_count as number;
    expect(after).toBe(before - 4);
    for (const id of m.deletedContacts) {
      expect((await call(`/contacts/${id}`)).status).toBe(404);
      expect(sim.workspace.contacts.some((c) => c.id === id)).toBe(false);
    }
    const all = await searchIds("/contacts/search", { field: "updated_at", operator: ">", value: 1 });
    expect(all.filter((id) => m.deletedContacts.includes(id))).toEqual([]);
  });

  it("a cursor taken before a mutation keeps working (keyset), and ascending order re-sees moved records", async () => {
    const q = { field: "updated_at", operator: ">", value: 1 };
    const first = await call("/contacts/search", {
      body: { query: q, sort: { field: "updated_at", order: "ascending" }, pagination: { per_page: 100 } },
    });
    const seenFirst = first.json.data.map((c: { id: string }) => c.id);
    const m = sim.mutate({ advanceSeconds: 5, updateContacts: 50 });
    const rest: string[] = [];
    let after = first.json.pages.next.starting_after;
    while (after) {
      const r = await call("/contacts/search", {
        body: {
          query: q,
          sort: { field: "updated_at", order: "ascending" },
          pagination: { per_page: 150, starting_after: after },
        },
      });
      rest.push(...r.json.data.map((c: { id: string }) => c.id));
      after = r.json.pages.next?.starting_after;
    }
    // every updated contact is seen after the cursor (moved to the tail), nothing is skipped
    for (const id of m.updatedContacts) expect(rest).toContain(id);
    const union = new Set([...seenFirst, ...rest]);
    expect(union.size).toBe(sim.workspace.contacts.length);
  });
});
