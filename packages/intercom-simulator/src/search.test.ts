import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

const DAY = 86_400;
let utc: IntercomSimulator;
let tokyo: IntercomSimulator;

beforeAll(async () => {
  const base = {
    seed: 5,
    contacts: 1500,
    companies: 30,
    conversations: 200,
    now: 1763900000,
    rateLimit: false as const,
  };
  utc = await startSimulator({ ...base, timezone: "UTC" });
  tokyo = await startSimulator({ ...base, timezone: "Asia/Tokyo" });
});
afterAll(async () => {
  await utc.close();
  await tokyo.close();
});

/** Independent oracle: day start for a fixed-offset zone (UTC+0 / UTC+9, no DST). */
const dayStart = (ts: number, offset: number) => Math.floor((ts + offset) / DAY) * DAY - offset;

async function searchAll(sim: IntercomSimulator, path: string, query: unknown, sort?: unknown) {
  const call = client(sim.url, sim.token);
  const items: Record<string, unknown>[] = [];
  let after: string | undefined;
  do {
    const r = await call(path, {
      body: {
        query,
        ...(sort ? { sort } : {}),
        pagination: { per_page: 150, ...(after ? { starting_after: after } : {}) },
      },
    });
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
    items.push(...(r.json.data ?? r.json.conversations));
    after = r.json.pages.next?.starting_after;
  } while (after);
  return items;
}

/** A contact updated mid-day whose day also holds a later update (so ">" day truncation is visible). */
function pivot(sim: IntercomSimulator, offset: number) {
  const contacts = sim.workspace.contacts;
  for (const c of contacts) {
    const u = c.updated_at as number;
    const start = dayStart(u, offset);
    if (contacts.some((o) => (o.updated_at as number) > u && (o.updated_at as number) < start + DAY))
      return u;
  }
  throw new Error("no pivot");
}

describe("contact search: day-granular timestamps (§5.3)", () => {
  for (const [name, offset] of [
    ["UTC", 0],
    ["Asia/Tokyo", 9 * 3600],
  ] as const) {
    it(`"=", ">", "<" on updated_at use whole days in ${name}`, async () => {
      const sim = name === "UTC" ? utc : tokyo;
      const x = pivot(sim, offset);
      const start = dayStart(x, offset);
      const all = sim.workspace.contacts;
      const idsOf = (xs: Record<string, unknown>[]) => xs.map((c) => c.id as string).sort();
      const upd = (c: Record<string, unknown>) => c.updated_at as number;

      const gt = await searchAll(sim, "/contacts/search", { field: "updated_at", operator: ">", value: x });
      expect(idsOf(gt)).toEqual(idsOf(all.filter((c) => upd(c) >= start + DAY)));
      // the later same-day update is NOT returned by ">"
      expect(gt.some((c) => upd(c) > x && upd(c) < start + DAY)).toBe(false);

      const eq = await searchAll(sim, "/contacts/search", { field: "updated_at", operator: "=", value: x });
      expect(idsOf(eq)).toEqual(idsOf(all.filter((c) => upd(c) >= start && upd(c) < start + DAY)));
      expect(eq.length).toBeGreaterThan(1);

      const lt = await searchAll(sim, "/contacts/search", {
        field: "updated_at",
        operator: "<",
        value: String(x),
      });
      expect(idsOf(lt)).toEqual(idsOf(all.filter((c) => upd(c) < start)));

      // The §5.4 recipe: "=" OR ">" → everything from the start of X's day.
      const recipe = await searchAll(
        sim,
        "/contacts/search",
        {
          operator: "OR",
          value: [
            { field: "updated_at", operator: "=", value: x },
            { field: "updated_at", operator: ">", value: x },
          ],
        },
        { field: "updated_at", order: "ascending" },
      );
      expect(idsOf(recipe)).toEqual(idsOf(all.filter((c) => upd(c) >= start)));
      const times = recipe.map(upd);
      expect(times).toEqual([...times].sort((a, b) => a - b)); // sorted by the full-second value
    });
  }

  it("rejects != >= <= IN NIN on dates with 400", async () => {
    const call = client(utc.url, utc.token);
    for (const operator of ["!=", ">=", "<=", "IN", "NIN"]) {
      const value = operator.endsWith("IN") ? [1763000000] : 1763000000;
      const r = await call("/contacts/search", { body: { query: { field: "created_at", operator, value } } });
      expect(r.status, operator).toBe(400);
      expect(r.json.type).toBe("error.list");
    }
    const custom = await call("/contacts/search", {
      body: { query: { field: "custom_attributes.trial_ends_at", operator: ">=", value: 1 } },
    });
    expect(custom.status).toBe(400);
  });

  it("date custom attributes are day-granular too", async () => {
    const all = utc.workspace.contacts.filter(
      (c) => typeof (c.custom_attributes as Record<string, unknown>).trial_ends_at === "number",
    );
    const x = ((all[0] as Record<string, unknown>).custom_attributes as Record<string, number>)
      .trial_ends_at as number;
    const res = await searchAll(utc, "/contacts/search", {
      field: "custom_attributes.trial_ends_at",
      operator: "=",
      value: x,
    });
    const expected = all.filter(
      (c) =>
        dayStart((c.custom_attributes as Record<string, number>).trial_ends_at as number, 0) ===
        dayStart(x, 0),
    );
    expect(res.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
  });
});

describe("query grammar and operators (§5.1, §5.2)", () => {
  it("enforces max 2 nesting levels and max 15 filters per group", async () => {
    const call = client(utc.url, utc.token);
    const f = { field: "role", operator: "=", value: "user" };
    const ok = await call("/contacts/search", {
      body: { query: { operator: "AND", value: [f, { operator: "OR", value: [f, f] }] } },
    });
    expect(ok.status).toBe(200);
    const deep = await call("/contacts/search", {
      body: {
        query: { operator: "AND", value: [{ operator: "OR", value: [{ operator: "AND", value: [f] }] }] },
      },
    });
    expect(deep.status).toBe(400);
    const sixteen = await call("/contacts/search", {
      body: { query: { operator: "OR", value: Array(16).fill(f) } },
    });
    expect(sixteen.status).toBe(400);
    const fifteen = await call("/contacts/search", {
      body: { query: { operator: "OR", value: Array(15).fill(f) } },
    });
    expect(fifteen.status).toBe(200);
  });

  it("string operators, IN/NIN, integer ranges and tag_id restrictions", async () => {
    const all = utc.workspace.contacts;
    const custom = (c: Record<string, unknown>) => c.custom_attributes as Record<string, unknown>;
    const ids = (xs: Record<string, unknown>[]) => xs.map((c) => c.id as string).sort();

    const starts = await searchAll(utc, "/contacts/search", {
      field: "email",
      operator: "^",
      value: "user1",
    });
    expect(ids(starts)).toEqual(
      ids(
        all.filter((c) =>
          String(c.email ?? "")
            .toLowerCase()
            .startsWith("user1"),
        ),
      ),
    );

    const plans = await searchAll(utc, "/contacts/search", {
      field: "custom_attributes.plan",
      operator: "IN",
      value: ["pro", "team"],
    });
    expect(ids(plans)).toEqual(ids(all.filter((c) => ["pro", "team"].includes(custom(c).plan as string))));

    const seats = await searchAll(utc, "/contacts/search", {
      field: "custom_attributes.seats",
      operator: ">=",
      value: 250,
    });
    expect(ids(seats)).toEqual(
      ids(all.filter((c) => typeof custom(c).seats === "number" && (custom(c).seats as number) >= 250)),
    );

    const ring = await searchAll(utc, "/contacts/search", {
      field: "custom_attributes.The One Ring",
      operator: "~",
      value: "PRECIOUS",
    });
    expect(ring.length).toBeGreaterThan(0);
    expect(ids(ring)).toEqual(
      ids(all.filter((c) => String(custom(c)["The One Ring"] ?? "").includes("precious"))),
    );

    const call = client(utc.url, utc.token);
    const tagIn = await call("/contacts/search", {
      body: { query: { field: "tag_id", operator: "IN", value: ["102"] } },
    });
    expect(tagIn.status).toBe(400);
    const strGt = await call("/contacts/search", {
      body: { query: { field: "email", operator: ">", value: "a" } },
    });
    expect(strGt.status).toBe(400);
    const badType = await call("/contacts/search", {
      body: { query: { field: "created_at", operator: ">", value: "foobar" } },
    });
    expect(badType.status).toBe(400);
  });

  it("sort order must be ascending|descending (invalid_sort_order), default descending", async () => {
    const call = client(utc.url, utc.token);
    const bad = await call("/contacts/search", {
      body: {
        query: { field: "role", operator: "=", value: "lead" },
        sort: { field: "updated_at", order: "desc" },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toEqual({
      code: "invalid_sort_order",
      message: "Invalid sort order 'desc'. Must be one of: ascending, descending",
    });
    const dflt = await call("/contacts/search", {
      body: { query: { field: "role", operator: "=", value: "lead" }, sort: { field: "updated_at" } },
    });
    const times = dflt.json.data.map((c: { updated_at: number }) => c.updated_at);
    expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
  });
});

describe("conversation search (§4.4, §5.2)", () => {
  it('">" and "<" are inclusive on seconds; sorting ascending works', async () => {
    const convs = utc.workspace.conversations;
    const x = convs[Math.floor(convs.length / 2)]?.updated_at as number;
    const gt = await searchAll(
      utc,
      "/conversations/search",
      { field: "updated_at", operator: ">", value: x },
      { field: "updated_at", order: "ascending" },
    );
    const expected = convs.filter((c) => (c.updated_at as number) >= x);
    expect(gt.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id as string).sort());
    expect(gt.some((c) => c.updated_at === x)).toBe(true);
    const times = gt.map((c) => c.updated_at as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const lt = await searchAll(utc, "/conversations/search", {
      field: "updated_at",
      operator: "<",
      value: x,
    });
    expect(lt).toHaveLength(convs.filter((c) => (c.updated_at as number) <= x).length);
    const call = client(utc.url, utc.token);
    const ge = await call("/conversations/search", {
      body: { query: { field: "updated_at", operator: ">=", value: x } },
    });
    expect(ge.status).toBe(400);
  });

  it("searches array fields and source.body per word", async () => {
    const convs = utc.workspace.conversations;
    const contactId = ((convs[0] as Record<string, unknown>).contacts as { contacts: { id: string }[] })
      .contacts[0]?.id as string;
    const byContact = await searchAll(utc, "/conversations/search", {
      field: "contact_ids",
      operator: "=",
      value: contactId,
    });
    expect(byContact.map((c) => c.id).sort()).toEqual(
      convs
        .filter((c) =>
          (c.contacts as { contacts: { id: string }[] }).contacts.some((x) => x.id === contactId),
        )
        .map((c) => c.id as string)
        .sort(),
    );
    const word = await searchAll(utc, "/conversations/search", {
      field: "source.body",
      operator: "=",
      value: "support",
    });
    expect(word.length).toBeGreaterThan(0);
    expect(word.every((c) => String((c.source as { body: string }).body).includes("support"))).toBe(true);
    const phrase = await searchAll(utc, "/conversations/search", {
      field: "source.body",
      operator: "=",
      value: "need support",
    });
    expect(phrase).toHaveLength(0);
    const unassigned = await searchAll(utc, "/conversations/search", {
      field: "admin_assignee_id",
      operator: "=",
      value: 0,
    });
    expect(unassigned).toHaveLength(convs.filter((c) => c.admin_assignee_id === 0).length);
  });
});
