import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const EXTRACT_MAIN = appMain("fargate-extract");

let sim: IntercomSimulator;
let s3: S3rverHandle;
let bucket: string;

beforeEach(async () => {
  [sim, s3] = await Promise.all([
    startSimulator({ seed: 12, contacts: 300, conversations: 60, companies: 10, rateLimit: false }),
    startS3rver(),
  ]);
  bucket = uniqueName("extract-inc");
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterEach(async () => {
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

async function json<T = Record<string, unknown>[]>(key: string): Promise<T> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await r.Body?.transformToString("utf8")) ?? "") as T;
}

async function keys(): Promise<string[]> {
  const r = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function extract(syncMode: "full" | "incremental", extra: Record<string, string> = {}) {
  sim.resetStats();
  const result = await runApp(
    EXTRACT_MAIN,
    baseEnv({
      ...s3rverEnv(s3.endpoint),
      INTERCOM_ACCESS_TOKEN: sim.token,
      INTERCOM_API_URL: sim.url,
      S3_BUCKET: bucket,
      SYNC_MODE: syncMode,
      ...extra,
    }),
  );
  expect(result.stderr).not.toContain("failed");
  expect(result.code).toBe(0);
  const done = result.logs.find((l) => l.msg === "fargate-extract succeeded") as {
    report: { streams: { stream: string; commit: { details: Record<string, unknown> } }[] };
  };
  return { calls: sim.stats().requests, byRoute: sim.stats().byRoute, report: done.report };
}

describe("fargate-extract incremental runs", () => {
  it("full then incremental: changes under changes/, deletions under deleted/, the snapshot untouched, calls proportional to changes", async () => {
    const full = await extract("full");
    const snapshot = await json("data/users.json");
    const change = sim.mutate({
      advanceSeconds: 3600,
      updateContacts: 5,
      addContacts: 3,
      deleteContacts: 2,
      updateConversations: 4,
      deleteConversations: 2,
    });
    const inc = await extract("incremental");

    expect(await keys()).toEqual([
      "data/_state/contact-ids.json",
      "data/_state/extract/contacts.json",
      "data/_state/extract/conversations.json",
      "data/changes/conversations.json",
      "data/changes/users.json",
      "data/conversations.json",
      "data/deleted/contacts.json",
      "data/deleted/conversations.json",
      "data/users.json",
    ]);
    expect(await json("data/users.json")).toEqual(snapshot); // never overwritten by a delta
    const changed = (await json("data/changes/users.json")).map((u) => u.id);
    for (const id of [...change.updatedContacts, ...change.addedContacts]) expect(changed).toContain(id);
    expect(changed.length).toBeLessThan(snapshot.length / 2);
    const deletedContacts = await json("data/deleted/contacts.json");
    expect(deletedContacts.map((d) => d.id).sort()).toEqual([...change.deletedContacts].sort());
    for (const d of deletedContacts) expect(Object.keys(d).sort()).toEqual(["deleted_at", "id", "reason"]);
    const deletedConversations = (await json("data/deleted/conversations.json")).map((d) => d.id).sort();
    expect(deletedConversations).toEqual([...change.deletedConversations].sort());
    const changedConversations = (await json("data/changes/conversations.json")).map((c) => c.id);
    for (const id of change.updatedConversations) expect(changedConversations).toContain(id);

    // the report counts the deletions
    const contacts = inc.report.streams.find((s) => s.stream === "contacts");
    expect(contacts?.commit.details.deleted).toBe(2);
    // calls: a fraction of the full run's, and one sweep of the contact list for the deletions
    expect(inc.calls).toBeLessThan(full.calls / 2);
    expect(inc.byRoute["GET /contacts"]).toBe(1 + Math.ceil(sim.workspace.contacts.length / 150));
    expect(inc.byRoute["GET /conversations/{id}"]).toBe(changedConversations.length);

    // a full run afterwards: the stale changes are removed, deletions reset to none
    await extract("full");
    expect(await keys()).not.toContain("data/changes/users.json");
    expect(await json("data/deleted/contacts.json")).toEqual([]);
  });

  it("no deletions: no sweep (one count call), empty deletion objects", async () => {
    await extract("full");
    sim.mutate({ advanceSeconds: 600, updateContacts: 3 });
    const inc = await extract("incremental");
    expect(inc.byRoute["GET /contacts"]).toBe(1);
    expect(await json("data/deleted/contacts.json")).toEqual([]);
    expect(await json("data/deleted/conversations.json")).toEqual([]);
  });

  it("INTERCOM_CONTACT_SWEEP=always sweeps even without deletions", async () => {
    await extract("full");
    const inc = await extract("incremental", { INTERCOM_CONTACT_SWEEP: "always" });
    expect(inc.byRoute["GET /contacts"]).toBe(1 + Math.ceil(sim.workspace.contacts.length / 150));
  });
});
