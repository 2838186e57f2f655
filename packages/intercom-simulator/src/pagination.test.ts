import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

let sim: IntercomSimulator;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  sim = await startSimulator({
    seed: 11,
    contacts: 430,
    companies: 120,
    conversations: 170,
    now: 1763900000,
    rateLimit: false,
    companiesListCap: 50,
  });
  call = client(sim.url, sim.token);
});
afterAll(() => sim.close());

async function walkCursor(path: string, itemsKey: string, perPage: number) {
  const ids: string[] = [];
  const pages: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await call(
      `${path}${sep}per_page=${perPage}${after ? `&starting_after=${encodeURIComponent(after)}` : ""}`,
    );
    expect(r.status).toBe(200);
    pages.push(r.json.pages.page);
    ids.push(...r.json[itemsKey].map((x: { id: string }) => x.id));
    after = r.json.pages.next?.starting_after;
    if (!after) {
      expect(r.json.pages.next ?? null).toBeNull();
      return { ids, pages, total: r.json.total_count, totalPages: r.json.pages.total_pages };
    }
    expect(after).toMatch(/^Wz/);
  }
  throw new Error("cursor never ended");
}

describe("cursor lists (§3)", () => {
  it("GET /contacts walks every live contact exactly once", async () => {
    const res = await walkCursor("/contacts", "data", 150);
    const expected = sim.workspace.contacts.map((c) => c.id).sort();
    expect([...res.ids].sort()).toEqual(expected);
    expect(new Set(res.ids).size).toBe(res.ids.length);
    expect(res.total).toBe(430);
    expect(res.pages).toEqual([1, 2, 3]);
    expect(res.totalPages).toBe(3);
  });

  it("GET /contacts defaults to 10 per page and clamps per_page to 150", async () => {
    expect((await call("/contacts")).json.data).toHaveLength(10);
    const big = await call("/contacts?per_page=1000");
    expect(big.json.data).toHaveLength(150);
    expect(big.json.pages.per_page).toBe(150);
  });

  it("GET /conversations walks every conversation, newest update first", async () => {
    const res = await walkCursor("/conversations", "conversations", 40);
    expect(res.ids).toHaveLength(170);
    expect(new Set(res.ids).size).toBe(170);
    const updated = res.ids.map((id) => sim.workspace.conversation(id)?.updated_at as number);
    for (let i = 1; i < updated.length; i++)
      expect(updated[i - 1]).toBeGreaterThanOrEqual(updated[i] as number);
  });

  it("rejects a malformed cursor with 400 client_error", async () => {
    for (const bad of ["not-a-cursor", "WzEsMl0=", Buffer.from("{}").toString("base64")]) {
      const r = await call(`/contacts?starting_after=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(400);
      expect(r.json.errors[0].code).toBe("client_error");
    }
  });
});

describe("search pagination lives in the body (§3)", () => {
  const query = { field: "role", operator: "=", value: "user" };

  it("walks with pagination.starting_after in the body", async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const r = await call("/contacts/search", {
        body: { query, pagination: { per_page: 70, ...(after ? { starting_after: after } : {}) } },
      });
      expect(r.status).toBe(200);
      ids.push(...r.json.data.map((c: { id: string }) => c.id));
      after = r.json.pages.next?.starting_after;
    } while (after);
    const users = sim.workspace.contacts.filter((c) => c.role === "user").map((c) => c.id);
    expect(ids.sort()).toEqual(users.sort());
  });

  it("ignores starting_after in the query string and returns page 1 again", async () => {
    const first = await call("/contacts/search", { body: { query, pagination: { per_page: 20 } } });
    const cursor = first.json.pages.next.starting_after;
    const again = await call(`/contacts/search?starting_after=${encodeURIComponent(cursor)}`, {
      body: { query, pagination: { per_page: 20 } },
    });
    expect(again.json.pages.page).toBe(1);
    expect(again.json.data.map((c: { id: string }) => c.id)).toEqual(
      first.json.data.map((c: { id: string }) => c.id),
    );
    const second = await call("/contacts/search", {
      body: { query, pagination: { per_page: 20, starting_after: cursor } },
    });
    expect(second.json.pages.page).toBe(2);
    expect(second.json.data[0].id).not.toBe(first.json.data[0].id);
  });

  it("defaults to 50 per page for contacts and 20 for conversations; max 150", async () => {
    expect((await call("/contacts/search", { body: { query } })).json.data).toHaveLength(50);
    const conv = await call("/conversations/search", {
      body: { query: { field: "id", operator: "!=", value: "0" } },
    });
    expect(conv.json.conversations).toHaveLength(20);
    const big = await call("/contacts/search", { body: { query, pagination: { per_page: 500 } } });
    expect(big.json.pages.per_page).toBe(150);
  });
});

describe("page-based lists (§3, §4.2)", () => {
  it("POST /companies/list: last_request_at desc, no companies without users, capped", async () => {
    const withUsers = sim.workspace.companies.filter((c) => (c.user_count as number) > 0);
    expect(withUsers.length).toBeGreaterThan(50); // the cap must bite
    const seen: { id: string; last_request_at: number }[] = [];
    let page = 1;
    let totalPages = 0;
    do {
      const r = await call(`/companies/list?page=${page}&per_page=15`, { method: "POST" });
      expect(r.status).toBe(200);
      expect(r.json.type).toBe("list");
      expect(r.json.pages).toMatchObject({ type: "pages", page, per_page: 15, next: null });
      expect(r.json.total_count).toBe(withUsers.length);
      totalPages = r.json.pages.total_pages;
      seen.push(...r.json.data);
      page++;
    } while (page <= totalPages);
    expect(totalPages).toBe(Math.ceil(50 / 15));
    expect(seen).toHaveLength(50);
    expect(seen.every((c) => withUsers.some((w) => w.id === c.id))).toBe(true);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i - 1]?.last_request_at).toBeGreaterThanOrEqual(seen[i]?.last_request_at as number);
    }
    const beyond = await call(`/companies/list?page=${totalPages + 1}&per_page=15`, { method: "POST" });
    expect(beyond.json.data).toEqual([]);
  });

  it("GET /conversations/deleted is page-based, per_page max 60, and 2.16 only", async () => {
    const m = sim.mutate({ deleteConversations: 70, advanceSeconds: 5 });
    const ids: string[] = [];
    let page = 1;
    for (;;) {
      const r = await call(`/conversations/deleted?page=${page}&per_page=100`);
      expect(r.json.type).toBe("conversations.list");
      expect(r.json.pages.per_page).toBe(60);
      expect(r.json.total_count).toBe(70);
      ids.push(...r.json.conversations.map((c: { id: string; deleted_at: number }) => c.id));
      if (!r.json.pages.next) break;
      expect(r.json.pages.next).toContain(`page=${page + 1}`);
      page++;
    }
    expect(page).toBe(2);
    expect(ids.sort()).toEqual([...m.deletedConversations].sort());
    const old = await call("/conversations/deleted", { headers: { "Intercom-Version": "2.15" } });
    expect(old.status).toBe(400);
    expect(old.json.errors[0].code).toBe("intercom_version_invalid");
  });
});
