/**
 * The state machine runs one extract task per stream (INTERCOM_STREAMS=<stream>), all on one
 * S3_PREFIX, at the same time. Every object a task writes must belong to its stream: s3rver
 * ignores conditional writes, so two tasks read-modify-writing one shared state object here
 * could lose a cursor (and then re-read the whole stream). This runs the built program per
 * stream, concurrently, in incremental and full mode, and checks the cursors, the changes, the
 * removal of stale changes, and that the single state object of older versions is still read.
 */
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { listKeys, putBytes, type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const EXTRACT_MAIN = appMain("fargate-extract");
const CONTACTS = 300;
const CONVERSATIONS = 60;

let sim: IntercomSimulator;
let s3: S3rverHandle;
let bucket: string;

beforeEach(async () => {
  [sim, s3] = await Promise.all([
    startSimulator({
      seed: 23,
      contacts: CONTACTS,
      conversations: CONVERSATIONS,
      companies: 10,
      rateLimit: false,
    }),
    startS3rver(),
  ]);
  bucket = uniqueName("per-stream");
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterEach(async () => {
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

type Row = Record<string, unknown>;

async function text(key: string): Promise<string> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString("utf8")) ?? "";
}
const json = async <T = Row[]>(key: string): Promise<T> => JSON.parse(await text(key)) as T;
const ids = async (key: string) => (await json(key)).map((r) => String(r.id));

/**
 * One extract task per stream, all started at once on prefix `data/` (as the Map does): the
 * records each read, and the Intercom calls of them all by route.
 */
async function extractEach(
  syncMode: "full" | "incremental",
  streams: string[],
): Promise<{ records: number[]; byRoute: Record<string, number> }> {
  sim.resetStats();
  const results = await Promise.all(
    streams.map((stream) =>
      runApp(
        EXTRACT_MAIN,
        baseEnv({
          ...s3rverEnv(s3.endpoint),
          INTERCOM_ACCESS_TOKEN: sim.token,
          INTERCOM_API_URL: sim.url,
          S3_BUCKET: bucket,
          INTERCOM_STREAMS: stream,
          SYNC_MODE: syncMode,
        }),
      ),
    ),
  );
  const records = results.map((r, i) => {
    expect(r.code, `${streams[i]}: ${r.lastLine}`).toBe(0);
    const done = r.logs.find((l) => l.msg === "fargate-extract succeeded") as {
      report: { streams: { stream: string; records: number }[] };
    };
    const [report] = done.report.streams;
    expect(report?.stream).toBe(streams[i]);
    return report!.records;
  });
  return { records, byRoute: sim.stats().byRoute };
}

const stateOf = (stream: string) => json<Record<string, Row>>(`data/_state/extract/${stream}.json`);

describe("fargate-extract, one task per stream on one prefix", () => {
  it("concurrent incremental tasks keep every cursor; the next ones read only their stream's changes", async () => {
    const first = await extractEach("incremental", ["contacts", "conversations"]);
    // without a cursor an incremental run reads everything
    expect(first.records).toEqual([CONTACTS, CONVERSATIONS]);
    // one state object per stream, each holding only its own cursor; no shared object
    expect(await listKeys(s3.client, bucket, "data/_state/")).toEqual([
      "data/_state/contact-ids.json",
      "data/_state/extract/contacts.json",
      "data/_state/extract/conversations.json",
    ]);
    expect(Object.keys(await stateOf("contacts"))).toEqual(["intercom/contacts"]);
    expect((await stateOf("contacts"))["intercom/contacts"]).toMatchObject({ known: CONTACTS });
    expect(Object.keys(await stateOf("conversations"))).toEqual(["intercom/conversations"]);

    const change = sim.mutate({
      advanceSeconds: 3600,
      updateContacts: 5,
      addContacts: 3,
      updateConversations: 4,
    });
    const next = await extractEach("incremental", ["contacts", "conversations"]);

    const changedUsers = await ids("data/changes/users.json");
    for (const id of [...change.updatedContacts, ...change.addedContacts]) expect(changedUsers).toContain(id);
    expect(next.records[0]).toBe(changedUsers.length);
    expect(changedUsers.length).toBeLessThan(CONTACTS / 2);
    const changedConversations = await ids("data/changes/conversations.json");
    for (const id of change.updatedConversations) expect(changedConversations).toContain(id);
    expect(next.records[1]).toBe(changedConversations.length);
    expect(changedConversations.length).toBeLessThan(CONVERSATIONS / 2);
    // both resumed from their cursors: no contact list sweep, one GET per changed conversation
    expect(next.byRoute["GET /contacts"]).toBe(1);
    expect(next.byRoute["GET /conversations/{id}"]).toBe(changedConversations.length);
  });

  it("a full run of one stream removes only that stream's changes/ objects", async () => {
    await extractEach("full", ["contacts", "conversations"]);
    sim.mutate({ advanceSeconds: 3600, updateContacts: 4, updateConversations: 3 });
    await extractEach("incremental", ["contacts", "conversations"]);
    const conversationChanges = await text("data/changes/conversations.json");

    await extractEach("full", ["contacts"]);
    const changes = await listKeys(s3.client, bucket, "data/changes/");
    expect(changes).toEqual(["data/changes/conversations.json"]);
    expect(await text("data/changes/conversations.json")).toBe(conversationChanges);
  });

  it("a conversations task never touches the contact ids (only the contacts stream owns them)", async () => {
    await extractEach("full", ["conversations"]);
    await extractEach("incremental", ["conversations"]);
    expect(await listKeys(s3.client, bucket, "data/_state/")).toEqual([
      "data/_state/extract/conversations.json",
    ]);
  });

  it("the single state object of older versions is honoured until a stream has its own", async () => {
    // an older version's layout: every cursor in data/_state/extract.json
    await extractEach("full", ["contacts", "conversations"]);
    const legacy = { ...(await stateOf("contacts")), ...(await stateOf("conversations")) };
    await putBytes(s3.client, bucket, "data/_state/extract.json", JSON.stringify(legacy));
    for (const stream of ["contacts", "conversations"]) {
      await s3.client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: `data/_state/extract/${stream}.json` }),
      );
    }

    const change = sim.mutate({
      advanceSeconds: 3600,
      updateContacts: 5,
      deleteContacts: 2,
      updateConversations: 3,
    });
    const { records } = await extractEach("incremental", ["contacts", "conversations"]);
    // resumed from the legacy cursors: changes only, and the deletion check used its known count
    expect(records[0]).toBeLessThan(CONTACTS / 2);
    expect(records[1]).toBeLessThan(CONVERSATIONS / 2);
    expect((await ids("data/deleted/contacts.json")).sort()).toEqual([...change.deletedContacts].sort());
    // each stream now has its own object; the legacy one is left as it was
    expect((await stateOf("contacts"))["intercom/contacts"]).toMatchObject({
      known: CONTACTS - change.deletedContacts.length,
    });
    expect(await stateOf("conversations")).toHaveProperty(["intercom/conversations"]);
    expect(await json("data/_state/extract.json")).toEqual(legacy);
  });
});
