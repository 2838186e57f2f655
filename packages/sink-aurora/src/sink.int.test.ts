import { DataError, type JsonObject } from "@sluice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import { contact, createTestDatabase, openOptions, stream, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
const sinks: AuroraSink[] = [];
const makeSink = (extra: Record<string, unknown> = {}) => {
  const s = auroraSink({ url: db.url, ...extra });
  sinks.push(s);
  return s;
};
const rows = async (sql: string, params: unknown[] = []) =>
  (await db.conn.query(sql, params))[0] as JsonObject[];
/** JSON columns: mysql2 parses them when the server flags them as JSON, else they are strings. */
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);
const count = async (table: string) => Number((await rows(`SELECT COUNT(*) AS n FROM \`${table}\``))[0]?.n);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of sinks) await s.close();
  await db?.drop();
});

describe.each(["load-data", "insert"] as const)("modes with loadMethod=%s", (loadMethod) => {
  it("replace swaps the whole table, append adds, upsert merges by primary key", async () => {
    const sink = makeSink({
      loadMethod,
      batchRows: 7,
      tables: { contacts: `users_${loadMethod.replace("-", "_")}` },
    });
    const table = `users_${loadMethod.replace("-", "_")}`;
    let w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 20 }, (_, i) => contact(i)));
    const r1 = await w.commit({ stateKey: "src/contacts" });
    expect(r1.records).toBe(20);
    expect(r1.details?.loadMethod).toBe(loadMethod);
    expect(await count(table)).toBe(20);

    w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 5 }, (_, i) => contact(100 + i)));
    await w.commit({ stateKey: "src/contacts" });
    expect(await count(table)).toBe(5);
    expect((await rows(`SHOW TABLES LIKE '${table}\\_\\_%'`)).length).toBe(0);

    w = await sink.open(stream("contacts"), openOptions("append"));
    await w.write(Array.from({ length: 3 }, (_, i) => contact(200 + i)));
    const r3 = await w.commit({ stateKey: "src/contacts", checkpoint: { cursor: 1 } });
    expect(r3.checkpointPersisted).toBe(true);
    expect(await count(table)).toBe(8);

    w = await sink.open(stream("contacts"), openOptions("upsert"));
    await w.write([contact(200, { name: "Renamed" }), contact(300), contact(300, { name: "Last wins" })]);
    const r4 = await w.commit({ stateKey: "src/contacts", checkpoint: { cursor: 2 } });
    expect(r4.checkpointPersisted).toBe(true);
    expect(await count(table)).toBe(9);
    const [c200] = await rows(`SELECT name FROM \`${table}\` WHERE id = ?`, [contact(200).id]);
    const [c300] = await rows(`SELECT name FROM \`${table}\` WHERE id = ?`, [contact(300).id]);
    expect(c200?.name).toBe("Renamed");
    expect(c300?.name).toBe("Last wins");
    expect(await sink.stateStore().load("src/contacts")).toEqual({ cursor: 2 });
  });
});

const conversation = (id: string, parts: number, extra: JsonObject = {}): JsonObject => ({
  type: "conversation",
  id,
  title: null,
  created_at: 1_734_537_511,
  updated_at: 1_734_537_600,
  waiting_since: null,
  snoozed_until: null,
  source: { type: "conversation", id: "403918334", delivered_as: "admin_initiated", body: "<p>hi</p>" },
  contacts: {
    type: "contact.list",
    contacts: [{ type: "contact", id: "6762f1261bb69f9f2193bba7", external_id: "70" }],
  },
  admin_assignee_id: null,
  team_assignee_id: 5_017_691,
  open: false,
  state: "closed",
  read: true,
  priority: "none",
  statistics: { count_conversation_parts: parts },
  parts_truncated: false,
  custom_attributes: { topic: "billing" },
  conversation_parts: {
    type: "conversation_part.list",
    conversation_parts: Array.from({ length: parts }, (_, j) => ({
      type: "conversation_part",
      id: j + 1,
      part_type: j === 0 ? "comment" : "note",
      body: `<p>part ${j} of ${id}</p>`,
      created_at: 1_663_597_223 + j,
      updated_at: 1_663_597_260 + j,
      notified_at: null,
      assigned_to: j === 0 ? { type: "contact", id: "1a2b3c" } : null,
      author: { type: "admin", id: 274, name: "Operator" },
    })),
    total_count: parts,
  },
  ...extra,
});

describe("conversations", () => {
  it("lands conversations and their inline parts; replace swaps both tables together", async () => {
    const sink = makeSink();
    let w = await sink.open(stream("conversations"), openOptions("replace"));
    await w.write([conversation("503", 4), conversation("504", 2)]);
    const report = await w.commit({ stateKey: "src/conversations" });
    expect(report.details).toMatchObject({ rows: 2, children: { conversation_part: 6 } });
    const [c] = await rows("SELECT * FROM conversation WHERE id = '503'");
    expect(c).toMatchObject({
      admin_assignee_id: null,
      team_assignee_id: "5017691",
      open: 0,
      read: 1,
      state: "closed",
      source_type: "conversation",
      count_conversation_parts: 4,
      parts_truncated: 0,
      created_at: new Date(1_734_537_511_000),
    });
    expect(json(c?.contact_ids)).toEqual(["6762f1261bb69f9f2193bba7"]);
    const raw = json(c?.raw) as JsonObject;
    expect(raw.conversation_parts).toBeUndefined();
    expect(raw.custom_attributes).toEqual({ topic: "billing" });
    const parts = await rows(
      "SELECT * FROM conversation_part WHERE conversation_id = '503' ORDER BY created_at",
    );
    expect(parts.map((p) => p.id)).toEqual(["1", "2", "3", "4"]);
    expect(parts[0]).toMatchObject({
      part_type: "comment",
      author_id: "274",
      author_type: "admin",
      assigned_to_id: "1a2b3c",
    });

    w = await sink.open(stream("conversations"), openOptions("replace"));
    await w.write([
      conversation("600", 1, { statistics: { count_conversation_parts: 700 }, parts_truncated: true }),
    ]);
    await w.commit({ stateKey: "src/conversations" });
    expect(await count("conversation")).toBe(1);
    expect(await rows("SELECT conversation_id, id FROM conversation_part")).toEqual([
      { conversation_id: "600", id: "1" },
    ]);
    expect((await rows("SELECT parts_truncated FROM conversation"))[0]?.parts_truncated).toBe(1);
  });

  it("upserts parts from the conversation_parts stream (conversation_id on the record)", async () => {
    const sink = makeSink({ tables: { conversation_parts: "parts_stream" } });
    const w = await sink.open(stream("conversation_parts"), openOptions("upsert"));
    await w.write([
      {
        type: "conversation_part",
        id: "9",
        conversation_id: 77,
        part_type: "comment",
        body: "a",
        created_at: 1,
      },
      {
        type: "conversation_part",
        id: "9",
        conversation_id: 78,
        part_type: "comment",
        body: "b",
        created_at: 2,
      },
    ]);
    await w.commit({ stateKey: "src/conversation_parts" });
    expect(await rows("SELECT conversation_id, body FROM parts_stream ORDER BY conversation_id")).toEqual([
      { conversation_id: "77", body: "a" },
      { conversation_id: "78", body: "b" },
    ]);
  });
});

describe.each(["load-data", "insert"] as const)("unicode round trip (%s)", (loadMethod) => {
  it("keeps emoji, RTL, 4-byte characters, control characters and the word NULL", async () => {
    const table = `uni_${loadMethod.replace("-", "_")}`;
    const sink = makeSink({ loadMethod, tables: { tags: table } });
    const names = [
      "😀 emoji 👨‍👩‍👧‍👦",
      "مرحبا بالعالم",
      "עברית",
      "𠜎𠜱𠝹 4-byte CJK",
      "tab\there\nnewline\r\nback\\slash \\N \\t",
      "NULL",
      "\\N",
      "zero\u0000byte",
      '’quotes\' "double" `back`',
    ];
    const records = names.map((name, i) => ({ type: "tag", id: String(i), name, extra: { name } }));
    const w = await sink.open(stream("tags"), openOptions("replace"));
    await w.write(records);
    await w.commit({ stateKey: "t" });
    const got = await rows(`SELECT id, name, raw FROM \`${table}\` ORDER BY CAST(id AS UNSIGNED)`);
    expect(got.map((r) => r.name)).toEqual(names);
    expect(got.map((r) => json(r.raw))).toEqual(records);
  });
});

describe("bad data", () => {
  it.each([
    ["missing id", { type: "contact", email: "x@example.com" }, /missing id/],
    ["non-object", "just a string", /not an object/],
    ["id too long", { type: "contact", id: "x".repeat(65) }, /longer than 64 characters/],
    ["bad timestamp", { type: "contact", id: "ok", created_at: "yesterday" }, /not a timestamp/],
  ])("%s: DataError naming stream and record, table untouched", async (_name, bad, message) => {
    const sink = makeSink();
    let w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write([contact(1), contact(2)]);
    await w.commit({ stateKey: "k" });
    const before = await rows("SELECT * FROM users ORDER BY id");

    w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write([contact(3), contact(4)]);
    const error = await w.write([contact(5), bad as JsonObject]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(message);
    expect((error as DataError).location).toMatchObject({ stream: "contacts", position: 3 });
    await w.abort(error);
    expect(await rows("SELECT * FROM users ORDER BY id")).toEqual(before);
    expect(await rows("SHOW TABLES LIKE 'users\\_\\_%'")).toEqual([]);
  });

  it("a failed replace load leaves the old table byte-identical", async () => {
    const sink = makeSink({ tables: { contacts: "users_identical" }, batchRows: 10 });
    let w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 50 }, (_, i) => contact(i)));
    await w.commit({ stateKey: "k" });
    const checksum = async () => (await rows("CHECKSUM TABLE users_identical"))[0]?.Checksum;
    const before = {
      checksum: await checksum(),
      rows: await rows("SELECT * FROM users_identical ORDER BY id"),
    };

    w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 35 }, (_, i) => contact(1000 + i))); // 3 batches flushed to staging
    await expect(w.write([{ id: null } as unknown as JsonObject])).rejects.toBeInstanceOf(DataError);
    await w.abort(new Error("load failed"));
    expect(await checksum()).toBe(before.checksum);
    expect(await rows("SELECT * FROM users_identical ORDER BY id")).toEqual(before.rows);
    expect(await rows("SHOW TABLES LIKE 'users_identical\\_\\_%'")).toEqual([]);
  });
});

describe("upsert and sync_state", () => {
  it("writes the checkpoint in the same transaction: a failure after the data rolls both back", async () => {
    const sink = makeSink({ tables: { segments: "seg_tx", sync_state: "state_tx" } });
    const seg = (id: string, name: string) => ({
      type: "segment",
      id,
      name,
      person_type: "user",
      created_at: 1,
    });
    let w = await sink.open(stream("segments"), openOptions("upsert"));
    await w.write([seg("a", "A"), seg("b", "B")]);
    expect(await w.commit({ stateKey: "src/segments", checkpoint: { cursor: 10 } })).toMatchObject({
      checkpointPersisted: true,
    });
    const before = await rows("SELECT id, name FROM seg_tx ORDER BY id");

    w = await sink.open(stream("segments"), openOptions("upsert"));
    await w.write([seg("a", "A2"), seg("c", "C")]);
    // Make the checkpoint write (which comes after the data in the transaction) fail.
    await db.conn.query("RENAME TABLE state_tx TO state_tx_away");
    const error = await w.commit({ stateKey: "src/segments", checkpoint: { cursor: 20 } }).catch((e) => e);
    await db.conn.query("RENAME TABLE state_tx_away TO state_tx");
    expect(error).toBeInstanceOf(Error);
    await w.abort(error);
    expect(await rows("SELECT id, name FROM seg_tx ORDER BY id")).toEqual(before);
    expect(await sink.stateStore().load("src/segments")).toEqual({ cursor: 10 });

    w = await sink.open(stream("segments"), openOptions("upsert"));
    await w.write([seg("a", "A2"), seg("c", "C")]);
    await w.commit({ stateKey: "src/segments", checkpoint: { cursor: 20 } });
    expect(await rows("SELECT id, name FROM seg_tx ORDER BY id")).toEqual([
      { id: "a", name: "A2" },
      { id: "b", name: "B" },
      { id: "c", name: "C" },
    ]);
    expect(await sink.stateStore().load("src/segments")).toEqual({ cursor: 20 });
  });

  it("abort rolls back and drops the staging table; append of an existing key is a DataError", async () => {
    const sink = makeSink({ tables: { admins: "admins_append" } });
    const admin = (id: string) => ({
      type: "admin",
      id,
      name: `A${id}`,
      team_ids: [1, 2],
      has_inbox_seat: true,
    });
    let w = await sink.open(stream("admins"), openOptions("append"));
    await w.write([admin("1")]);
    await w.abort(new Error("stop"));
    expect(await count("admins_append")).toBe(0);
    w = await sink.open(stream("admins"), openOptions("append"));
    await w.write([admin("1")]);
    await w.commit({ stateKey: "k" });
    w = await sink.open(stream("admins"), openOptions("append"));
    await w.write([admin("2"), admin("1")]);
    await expect(w.commit({ stateKey: "k" })).rejects.toBeInstanceOf(DataError);
    await w.abort(new Error("dup"));
    const after = await rows("SELECT id, team_ids, has_inbox_seat FROM admins_append");
    expect(after.map((r) => ({ ...r, team_ids: json(r.team_ids) }))).toEqual([
      { id: "1", team_ids: [1, 2], has_inbox_seat: 1 },
    ]);
  });

  it("stateStore saves and loads checkpoints", async () => {
    const store = makeSink().stateStore();
    expect(await store.load("nope")).toBeUndefined();
    await store.save("src/contacts", { cursor: 1_732_200_000, note: "é😀" });
    await store.save("src/contacts", { cursor: 1_732_200_001 });
    expect(await store.load("src/contacts")).toEqual({ cursor: 1_732_200_001 });
  });

  it("upsert without a primary key is a ConfigError at open", async () => {
    const keyless = { name: "events", primaryKey: [] };
    await expect(makeSink().open(keyless, openOptions("upsert"))).rejects.toMatchObject({
      code: "config_invalid",
      message: expect.stringContaining("upsert needs a primary key"),
    });
  });
});
