import type { JsonObject } from "@sluice/core";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { ids, readAll } from "./testing.js";

describe("intercomSource incremental reads", () => {
  let sim: IntercomSimulator;
  const LAG = 600;
  const source = (extra: object = {}) =>
    intercomSource({ accessToken: sim.token, baseUrl: sim.url, perPage: 7, lagSeconds: LAG, ...extra });

  // every test gets its own workspace: no test sees another's mutations
  beforeEach(async () => {
    sim = await startSimulator({
      seed: 11,
      contacts: 120,
      companies: 10,
      conversations: 40,
      largeConversations: 0,
      maxPartsPerConversation: 8,
      rateLimit: false,
      timezone: "America/New_York",
    });
  });
  afterEach(async () => sim?.close());

  it("contacts: after sim.mutate, the search picks up exactly the changed contacts plus the documented overlap", async () => {
    const full = await readAll(source(), "contacts");
    const cp = full.checkpoints.at(-1)!;
    expect(cp.updated_at).toBe(Math.max(...sim.workspace.contacts.map((c) => Number(c.updated_at))));

    const change = sim.mutate({ updateContacts: 9, addContacts: 3, advanceSeconds: 2 * 86_400 });
    sim.resetStats();
    const inc = await readAll(source(), "contacts", { syncMode: "incremental", state: cp });

    const W = Number(cp.updated_at) - LAG;
    const changed = [...change.updatedContacts, ...change.addedContacts];
    const got = new Set(ids(inc.records));
    for (const id of changed) expect(got.has(id), `changed contact ${id}`).toBe(true);
    // the documented overlap: everything with updated_at >= W is re-read, nothing older
    const expected = sim.workspace.contacts.filter((c) => Number(c.updated_at) >= W);
    expect(ids(inc.records)).toEqual(ids(expected));
    expect(inc.records.length).toBeLessThan(sim.workspace.contacts.length);
    // search body cursor: several pages, no page repeated
    // (the server returns the whole local day of W; the part before W is dropped client-side)
    expect(sim.stats().byRoute["POST /contacts/search"]).toBeGreaterThanOrEqual(
      Math.ceil(expected.length / 7),
    );
    expect(new Set(ids(inc.records)).size).toBe(inc.records.length);
    // ascending order and the new watermark
    const ts = inc.records.map((c) => Number(c.updated_at));
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(inc.checkpoints.at(-1)).toMatchObject({ updated_at: change.now });
  });

  it("contacts: a contact updated later on the watermark's day is NOT missed (day-granular search)", async () => {
    const sorted = [...sim.workspace.contacts].sort((a, b) => Number(a.updated_at) - Number(b.updated_at));
    // a contact updated some seconds after the watermark, on the same local day
    const target = sorted.find((c, i) => {
      const prev = sorted[i - 1];
      return prev && Number(c.updated_at) - Number(prev.updated_at) > 1 && i > sorted.length / 3;
    })!;
    const watermark = Number(target.updated_at) - 1;
    // the naive query `updated_at > watermark` misses it: the simulator is day-granular like Intercom
    const naive = await fetch(`${sim.url}/contacts/search`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${sim.token}`,
        accept: "application/json",
        "content-type": "application/json",
        "intercom-version": "2.16",
      },
      body: JSON.stringify({
        query: { field: "updated_at", operator: ">", value: watermark },
        pagination: { per_page: 150 },
      }),
    }).then((r) => r.json() as Promise<{ data: JsonObject[] }>);
    expect(naive.data.map((c) => c.id)).not.toContain(target.id);

    const inc = await readAll(source({ lagSeconds: 0 }), "contacts", {
      syncMode: "incremental",
      state: { updated_at: watermark },
    });
    expect(ids(inc.records)).toContain(String(target.id));
    for (const c of inc.records) expect(Number(c.updated_at)).toBeGreaterThanOrEqual(watermark);
  });

  it("contacts: incremental without a checkpoint reads everything via the list", async () => {
    sim.resetStats();
    const r = await readAll(source({ perPage: 150 }), "contacts", { syncMode: "incremental" });
    expect(r.records.length).toBe(sim.workspace.contacts.length);
    expect(sim.stats().byRoute["POST /contacts/search"] ?? 0).toBe(0);
  });

  it("conversations and parts: after sim.mutate, only changed conversations are re-fetched, with their new parts", async () => {
    const full = await readAll(source(), "conversations");
    const cp = full.checkpoints.at(-1)!;
    const change = sim.mutate({ updateConversations: 3, addParts: 4, advanceSeconds: 3600 });
    sim.resetStats();
    const inc = await readAll(source(), "conversations", { syncMode: "incremental", state: cp });
    const W = Number(cp.updated_at) - LAG;
    const got = new Set(ids(inc.records));
    for (const id of [...change.updatedConversations, ...change.conversationsWithNewParts]) {
      expect(got.has(id), `changed conversation ${id}`).toBe(true);
    }
    for (const c of inc.records) expect(Number(c.updated_at)).toBeGreaterThanOrEqual(W);
    const newer = sim.workspace.conversations.filter((c) => Number(c.updated_at) > W);
    for (const c of newer) expect(got.has(String(c.id))).toBe(true);
    expect(inc.records.length).toBeLessThan(sim.workspace.conversations.length);
    expect(sim.stats().byRoute["GET /conversations/{id}"]).toBe(inc.records.length);
    for (const id of change.conversationsWithNewParts) {
      const rec = inc.records.find((c) => c.id === id)!;
      const parts = (rec.conversation_parts as JsonObject).conversation_parts as JsonObject[];
      expect(parts.length).toBe(sim.workspace.conversation(id)!.parts.length);
    }
    expect(inc.checkpoints.at(-1)).toEqual({ updated_at: change.now, deleted_at: 0 });

    const parts = await readAll(source(), "conversation_parts", { syncMode: "incremental", state: cp });
    const withParts = inc.records.filter(
      (c) => ((c.conversation_parts as JsonObject).conversation_parts as JsonObject[]).length > 0,
    );
    expect(new Set(parts.records.map((p) => String(p.conversation_id)))).toEqual(new Set(ids(withParts)));
    expect(parts.records.length).toBe(
      withParts.reduce(
        (n, c) => n + ((c.conversation_parts as JsonObject).conversation_parts as JsonObject[]).length,
        0,
      ),
    );
  });

  it("deleted_conversations lists conversations deleted since, and they leave the conversation list", async () => {
    const change = sim.mutate({ deleteConversations: 2, advanceSeconds: 60 });
    const deleted = await readAll(source(), "deleted_conversations");
    expect(ids(deleted.records)).toEqual([...change.deletedConversations].sort());
    for (const d of deleted.records) expect(d.deleted_at).toBe(change.now);
    const all = await readAll(source({ includeParts: false }), "conversations");
    for (const id of change.deletedConversations) expect(ids(all.records)).not.toContain(id);
  });
});
