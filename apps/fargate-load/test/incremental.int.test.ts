import { randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import mysql from "mysql2/promise";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * Black box, as a user schedules it: full extract → replace load → Intercom changes (touched,
 * created, deleted and merged contacts; touched, replied-to and deleted conversations) →
 * incremental extract → upsert load of the changes. The tables must equal Intercom, and the
 * incremental extract must cost a fraction of the full one.
 */
const EXTRACT_MAIN = appMain("fargate-extract");
const LOAD_MAIN = appMain("fargate-load");
const MYSQL_HOST = process.env.SLUICE_TEST_MYSQL_HOST ?? "127.0.0.1";
const MYSQL_PORT = Number(process.env.SLUICE_TEST_MYSQL_PORT ?? 3306);
const MYSQL_USER = process.env.SLUICE_TEST_MYSQL_USER ?? "root";

let sim: IntercomSimulator;
let s3: S3rverHandle;
let admin: mysql.Connection;
let bucket: string;
let db: string;

beforeEach(async () => {
  [sim, s3, admin] = await Promise.all([
    startSimulator({ seed: 31, contacts: 400, conversations: 80, companies: 12, rateLimit: false }),
    startS3rver(),
    mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_USER }),
  ]);
  bucket = uniqueName("blackbox");
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  db = `sluice_bb_${randomBytes(5).toString("hex")}`;
  await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
});
afterEach(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

const env = (extra: Record<string, string>) =>
  baseEnv({ ...s3rverEnv(s3.endpoint), S3_BUCKET: bucket, ...extra });

async function extract(
  syncMode: "full" | "incremental",
  extra: Record<string, string> = {},
): Promise<number> {
  sim.resetStats();
  const r = await runApp(
    EXTRACT_MAIN,
    env({ INTERCOM_ACCESS_TOKEN: sim.token, INTERCOM_API_URL: sim.url, SYNC_MODE: syncMode, ...extra }),
  );
  expect(r.lastLine, r.stderr).not.toContain("failed");
  expect(r.code).toBe(0);
  return sim.stats().requests;
}

async function load(extra: Record<string, string> = {}): Promise<void> {
  const r = await runApp(
    LOAD_MAIN,
    env({ DATABASE_URL: `mysql://${MYSQL_USER}@${MYSQL_HOST}:${MYSQL_PORT}/${db}`, ...extra }),
  );
  expect(r.lastLine, r.stderr).not.toContain("failed");
  expect(r.code).toBe(0);
}

async function column(sql: string): Promise<string[]> {
  const [rows] = await admin.query(sql.replaceAll("{db}", db));
  return (rows as Array<Record<string, unknown>>).map((r) => String(Object.values(r)[0])).sort();
}

async function expectTablesEqualIntercom(): Promise<void> {
  const contacts = sim.workspace.contacts;
  expect(await column("SELECT id FROM `{db}`.users")).toEqual(contacts.map((c) => String(c.id)).sort());
  expect(await column("SELECT CONCAT(id, '@', UNIX_TIMESTAMP(updated_at)) FROM `{db}`.users")).toEqual(
    contacts.map((c) => `${c.id}@${c.updated_at}`).sort(),
  );
  const conversations = sim.workspace.conversations;
  expect(await column("SELECT id FROM `{db}`.conversation")).toEqual(
    conversations.map((c) => String(c.id)).sort(),
  );
  expect(await column("SELECT id FROM `{db}`.conversation_part")).toEqual(
    // GET /conversations/{id} returns at most the 500 most recent parts
    conversations.flatMap((c) => c.parts.slice(-500).map((p) => String(p.id))).sort(),
  );
}

async function fullThenIncremental(changes: Parameters<IntercomSimulator["mutate"]>[0]): Promise<void> {
  const fullCalls = await extract("full");
  await load();
  await expectTablesEqualIntercom();
  sim.mutate({ advanceSeconds: 3600, ...changes });
  const incCalls = await extract("incremental");
  expect(incCalls).toBeLessThan(fullCalls / 2);
  await load({ LOAD_MODE: "upsert", LOAD_INPUT: "changes" });
  await expectTablesEqualIntercom();
}

describe("Intercom → S3 → Aurora, incremental (black box)", () => {
  it("touched, created and replied-to records: an incremental extract + upsert load of the changes leaves the tables equal to Intercom", async () => {
    await fullThenIncremental({ updateContacts: 6, addContacts: 4, updateConversations: 3, addParts: 5 });
  });

  it("deleted and merged contacts and deleted conversations (with their parts) leave the tables", async () => {
    await fullThenIncremental({
      updateContacts: 6,
      addContacts: 4,
      deleteContacts: 3,
      mergeContacts: 2,
      updateConversations: 3,
      addParts: 5,
      deleteConversations: 3,
    });
  });

  it("incremental cost is proportional to the changes: a quiet day costs a handful of calls", async () => {
    const fullCalls = await extract("full");
    sim.mutate({ advanceSeconds: 3600, updateContacts: 1, updateConversations: 1 });
    const calls = await extract("incremental");
    // check + discovery (3), contacts: count probe + one search page, conversations: one search
    // page, the deleted feed and one GET per conversation changed within the lag window
    expect(calls).toBeLessThanOrEqual(12);
    expect(calls).toBeLessThan(fullCalls / 5);
  });

  it("the deleted_conversations stream is loadable: one row per deleted conversation", async () => {
    const change = sim.mutate({ advanceSeconds: 60, deleteConversations: 4 });
    sim.resetStats();
    const r = await runApp(
      EXTRACT_MAIN,
      env({
        INTERCOM_ACCESS_TOKEN: sim.token,
        INTERCOM_API_URL: sim.url,
        INTERCOM_STREAMS: "deleted_conversations",
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    await load({ LOAD_STREAMS: "deleted_conversations" });
    expect(await column("SELECT id FROM `{db}`.deleted_conversations")).toEqual(
      [...change.deletedConversations].sort(),
    );
  });
});

/**
 * As the state machine runs it: one task pair per stream, the streams at once, each stream's
 * load right after its own extract; incremental → upsert of the changes, full → replace.
 */
const STREAMS = ["contacts", "conversations"];
async function perStream(syncMode: "full" | "incremental", { loadToo = true } = {}): Promise<void> {
  await Promise.all(
    STREAMS.map(async (stream) => {
      await extract(syncMode, { INTERCOM_STREAMS: stream });
      if (!loadToo) return;
      const mode: Record<string, string> =
        syncMode === "incremental" ? { LOAD_MODE: "upsert", LOAD_INPUT: "changes" } : {};
      await load({ LOAD_STREAMS: stream, ...mode });
    }),
  );
}

describe("Intercom → S3 → Aurora, one extract + load task pair per stream, streams in parallel", () => {
  it("full, then incremental nights: the tables equal Intercom after every run", async () => {
    await perStream("full");
    await expectTablesEqualIntercom();
    sim.mutate({
      advanceSeconds: 3600,
      updateContacts: 6,
      addContacts: 4,
      deleteContacts: 2,
      mergeContacts: 2,
      updateConversations: 3,
      addParts: 5,
      deleteConversations: 2,
    });
    await perStream("incremental");
    await expectTablesEqualIntercom();
    sim.mutate({
      advanceSeconds: 86_400,
      updateContacts: 3,
      addContacts: 2,
      updateConversations: 2,
      addParts: 3,
    });
    await perStream("incremental");
    await expectTablesEqualIntercom();
  });

  it("a missed load loses that night's deletions; a full refresh (full extract + replace load) recovers", async () => {
    await perStream("full");
    const missed = sim.mutate({ advanceSeconds: 86_400, deleteContacts: 2, deleteConversations: 2 });
    // later changes move the cursors past the deletions (the feed re-reads the cursor's instant)
    sim.mutate({ advanceSeconds: 86_400, deleteConversations: 1, updateConversations: 1, updateContacts: 1 });
    await perStream("incremental", { loadToo: false });
    sim.mutate({ advanceSeconds: 2 * 86_400, updateContacts: 2, updateConversations: 1 });
    await perStream("incremental");
    // the next night's deleted/ objects hold only that night's deletions: the missed ones stay
    const users = await column("SELECT id FROM `{db}`.users");
    for (const id of missed.deletedContacts) expect(users).toContain(id);
    const conversations = await column("SELECT id FROM `{db}`.conversation");
    for (const id of missed.deletedConversations) expect(conversations).toContain(id);

    await perStream("full");
    await expectTablesEqualIntercom();
  });
});
