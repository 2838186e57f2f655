import { type Checkpoint, type JsonObject, MemoryStateStore, TOMBSTONE_FIELD } from "@sluice/core";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { ids, readAll } from "./testing.js";

const PER_PAGE = 25;
const CONTACTS = 150;

describe("intercomSource deletions and checkpoints", () => {
  let sim: IntercomSimulator;
  let idStore: MemoryStateStore;
  const source = (extra: object = {}) =>
    intercomSource({ accessToken: sim.token, baseUrl: sim.url, perPage: PER_PAGE, idStore, ...extra });
  const listCalls = () => sim.stats().byRoute["GET /contacts"] ?? 0;
  const live = (r: { records: JsonObject[] }) => r.records.filter((x) => !x[TOMBSTONE_FIELD]);
  const dead = (r: { records: JsonObject[] }) => r.records.filter((x) => x[TOMBSTONE_FIELD]);

  beforeEach(async () => {
    idStore = new MemoryStateStore();
    sim = await startSimulator({
      seed: 5,
      contacts: CONTACTS,
      companies: 8,
      conversations: 30,
      largeConversations: 0,
      rateLimit: false,
    });
  });
  afterEach(async () => sim?.close());

  async function fullContacts(): Promise<Checkpoint> {
    const full = await readAll(source(), "contacts");
    const cp = full.checkpoints.at(-1)!;
    expect(cp.known).toBe(CONTACTS);
    return cp;
  }

  it("a full read saves the cursor and the known contact count", async () => {
    const cp = await fullContacts();
    expect(cp.updated_at).toBe(Math.max(...sim.workspace.contacts.map((c) => Number(c.updated_at))));
    expect(typeof cp.ids_slot).toBe("number");
  });

  it("no deletions: one count probe, no sweep, no tombstone; new contacts join the known set", async () => {
    const cp = await fullContacts();
    const change = sim.mutate({ advanceSeconds: 3600, updateContacts: 4, addContacts: 3 });
    sim.resetStats();
    const inc = await readAll(source(), "contacts", { syncMode: "incremental", state: cp });
    expect(listCalls()).toBe(1); // GET /contacts?per_page=1, nothing more
    expect(dead(inc)).toEqual([]);
    for (const id of [...change.updatedContacts, ...change.addedContacts])
      expect(ids(live(inc))).toContain(id);
    expect(inc.checkpoints.at(-1)).toMatchObject({ updated_at: change.now, known: CONTACTS + 3 });
  });

  it("deletions and merges: exactly one sweep; tombstones by id; a merged contact's canonical is upserted", async () => {
    const cp = await fullContacts();
    const change = sim.mutate({ advanceSeconds: 3600, deleteContacts: 3, mergeContacts: 2, addContacts: 2 });
    sim.resetStats();
    const inc = await readAll(source(), "contacts", { syncMode: "incremental", state: cp });
    const total = sim.workspace.contacts.length;
    // the probe, then one sweep of every contact
    expect(listCalls()).toBe(1 + Math.ceil(total / PER_PAGE));
    const tombstones = dead(inc);
    expect(ids(tombstones)).toEqual(
      [...change.deletedContacts, ...change.mergedContacts.map((m) => m.from)].sort(),
    );
    for (const t of tombstones)
      expect(Object.keys(t).sort()).toEqual(
        t.reason === "merged"
          ? ["_sluice_deleted", "deleted_at", "id", "merged_into", "reason"]
          : ["_sluice_deleted", "deleted_at", "id", "reason"],
      );
    for (const m of change.mergedContacts) {
      expect(tombstones.find((t) => t.id === m.from)).toMatchObject({
        reason: "merged",
        merged_into: m.into,
      });
      expect(ids(live(inc))).toContain(m.into);
    }
    expect(inc.warnings.find((w) => w.code === "contacts_deleted")?.details).toMatchObject({
      deleted: 3,
      merged: 2,
    });
    const next = inc.checkpoints.at(-1)!;
    expect(next.known).toBe(total);

    // the run after: nothing changed → no sweep again
    sim.resetStats();
    const again = await readAll(source(), "contacts", { syncMode: "incremental", state: next });
    expect(listCalls()).toBe(1);
    expect(dead(again)).toEqual([]);
  });

  it("contactSweep: 'always' sweeps even when the count shows no deletion", async () => {
    const cp = await fullContacts();
    sim.mutate({ advanceSeconds: 60, updateContacts: 1 });
    sim.resetStats();
    const inc = await readAll(source({ contactSweep: "always" }), "contacts", {
      syncMode: "incremental",
      state: cp,
    });
    expect(listCalls()).toBe(1 + Math.ceil(CONTACTS / PER_PAGE));
    expect(dead(inc)).toEqual([]);
  });

  it("conversations: a full read saves both watermarks; incremental emits tombstones for deletions since", async () => {
    const old = sim.mutate({ advanceSeconds: 60, deleteConversations: 1 }); // before the full run
    const before = sim.mutate({ advanceSeconds: 60, deleteConversations: 2 }); // the watermark's second
    const full = await readAll(source(), "conversations");
    const cp = full.checkpoints.at(-1)!;
    expect(cp.deleted_at).toBe(sim.workspace.now);
    const change = sim.mutate({ advanceSeconds: 3600, deleteConversations: 3, updateConversations: 2 });
    sim.resetStats();
    const inc = await readAll(source(), "conversations", { syncMode: "incremental", state: cp });
    // deletions from the watermark's own second are re-read (same-second safety), older ones not
    expect(ids(dead(inc))).toEqual([...before.deletedConversations, ...change.deletedConversations].sort());
    expect(ids(dead(inc))).not.toContain(old.deletedConversations[0]);
    expect(sim.stats().byRoute["GET /conversations/deleted"]).toBe(1);
    for (const id of change.updatedConversations) expect(ids(live(inc))).toContain(id);
    expect(inc.checkpoints.at(-1)).toEqual({ updated_at: change.now, deleted_at: change.now });
  });

  it("conversations and conversation_parts fetch each conversation once, read together or one after the other", async () => {
    const s = source();
    const [convs, parts] = await Promise.all([readAll(s, "conversations"), readAll(s, "conversation_parts")]);
    expect(sim.stats().byRoute["GET /conversations/{id}"]).toBe(sim.workspace.conversations.length);
    expect(convs.records).toHaveLength(sim.workspace.conversations.length);
    const expectedParts = sim.workspace.conversations.reduce((n, c) => n + c.parts.length, 0);
    expect(parts.records).toHaveLength(expectedParts);
    // sequentially, on another source instance: still one fetch per conversation
    sim.resetStats();
    const other = source();
    await readAll(other, "conversations");
    const later = await readAll(other, "conversation_parts");
    expect(later.records).toHaveLength(expectedParts);
    expect(sim.stats().byRoute["GET /conversations/{id}"]).toBe(sim.workspace.conversations.length);
    await Promise.all([s.close?.(), other.close?.()]);
  });
});
