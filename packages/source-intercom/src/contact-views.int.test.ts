import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { readAll } from "./testing.js";

describe("users and leads: views of contacts by role", () => {
  let sim: IntercomSimulator;
  const source = () => intercomSource({ accessToken: sim.token, baseUrl: sim.url, perPage: 50 });
  const idsWithRole = (role: string) =>
    sim.workspace.contacts
      .filter((c) => c.role === role)
      .map((c) => String(c.id))
      .sort();

  beforeAll(async () => {
    sim = await startSimulator({
      seed: 11,
      contacts: 230,
      conversations: 5,
      rateLimit: false,
      now: 1_763_900_000,
    });
  });
  afterAll(async () => sim?.close());

  it("full: users are the role=user contacts, leads the role=lead ones, both typed like contacts", async () => {
    const users = await readAll(source(), "users");
    const leads = await readAll(source(), "leads");
    expect(users.records.map((r) => r.id).sort()).toEqual(idsWithRole("user"));
    expect(leads.records.map((r) => r.id).sort()).toEqual(idsWithRole("lead"));
    expect(users.records.length).toBeGreaterThan(0);
    expect(leads.records.length).toBeGreaterThan(0);
    const streams = await source().discover();
    const contacts = streams.find((s) => s.name === "contacts")!;
    expect(streams.find((s) => s.name === "users")?.schema).toEqual(contacts.schema);
    expect(streams.find((s) => s.name === "leads")?.primaryKey).toEqual(["id"]);
  });

  it("incremental: only changed contacts of the role, with an updated_at checkpoint", async () => {
    const first = await readAll(source(), "leads");
    const checkpoint = first.checkpoints.at(-1)!;
    const changed = sim.mutate({ advanceSeconds: 3 * 86_400, updateContacts: 40 });
    const next = await readAll(source(), "leads", { syncMode: "incremental", state: checkpoint });
    const changedLeads = changed.updatedContacts.filter((id) => sim.workspace.contact(id)?.role === "lead");
    expect(changedLeads.length).toBeGreaterThan(0);
    // W = checkpoint − lag (600 s): leads updated since W, i.e. the changed ones plus any updated just before the checkpoint
    const since = Number(checkpoint.updated_at) - 600;
    const expected = sim.workspace.contacts.filter((c) => c.role === "lead" && Number(c.updated_at) >= since);
    expect(next.records.map((r) => r.id).sort()).toEqual(expected.map((c) => String(c.id)).sort());
    expect(next.records.map((r) => r.id)).toEqual(expect.arrayContaining(changedLeads));
    expect(next.records.every((r) => r.role === "lead")).toBe(true);
    expect(Number(next.checkpoints.at(-1)?.updated_at)).toBe(changed.now);
  });
});
