import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "@sluice/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auroraSink } from "./index.js";
import { contact, openOptions, stream } from "./test-support.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-aurora-embedded-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("sql.js: modes, inline conversation parts, checkpoint in the upsert transaction, persisted to the file", async () => {
  const file = join(dir, "warehouse.sqlite");
  let sink = auroraSink({ embedded: { sqlite: file }, batchRows: 3 });
  let w = await sink.open(stream("contacts"), openOptions("replace"));
  await w.write(Array.from({ length: 10 }, (_, i) => contact(i)));
  expect((await w.commit({ stateKey: "k" })).records).toBe(10);

  w = await sink.open(stream("conversations"), openOptions("upsert"));
  await w.write([
    {
      id: 7,
      state: "open",
      open: true,
      admin_assignee_id: null,
      conversation_parts: {
        conversation_parts: [{ id: 1, body: "😀 مرحبا", created_at: 1_700_000_000 }],
        total_count: 1,
      },
    },
  ]);
  const report = await w.commit({ stateKey: "src/conversations", checkpoint: { cursor: 42 } });
  expect(report).toMatchObject({
    checkpointPersisted: true,
    details: { children: { conversation_part: 1 } },
  });

  w = await sink.open(stream("contacts"), openOptions("replace"));
  await w.write([contact(100)]);
  await expect(w.write([{ name: "no id" }])).rejects.toBeInstanceOf(DataError);
  await w.abort(new Error("bad"));
  await sink.close();

  // A new sink instance (another process) reads the persisted file.
  sink = auroraSink({ embedded: { sqlite: file } });
  expect(await sink.stateStore().load("src/conversations")).toEqual({ cursor: 42 });
  w = await sink.open(stream("contacts"), openOptions("upsert"));
  await w.write([contact(3, { name: "Updated" })]);
  await w.commit({ stateKey: "k" });
  await sink.close();

  const initSqlJs = (await import("sql.js")).default;
  const SQL = await initSqlJs();
  const { readFile } = await import("node:fs/promises");
  const database = new SQL.Database(await readFile(file));
  const one = (sql: string) => database.exec(sql)[0]?.values;
  expect(one("SELECT COUNT(*) FROM users")).toEqual([[10]]);
  expect(one(`SELECT name FROM users WHERE id = '${contact(3).id}'`)).toEqual([["Updated"]]);
  expect(one("SELECT id, admin_assignee_id, open FROM conversation")).toEqual([["7", null, 1]]);
  expect(one("SELECT conversation_id, id, body, created_at FROM conversation_part")).toEqual([
    ["7", "1", "😀 مرحبا", "2023-11-14 22:13:20"],
  ]);
  expect(
    one("SELECT name FROM sqlite_master WHERE name LIKE '%__stg_%' OR name LIKE '%__old_%'"),
  ).toBeUndefined();
  database.close();
});

it("sql.js in memory serialises concurrent writers", async () => {
  const sink = auroraSink({ embedded: { sqlite: ":memory:" }, batchRows: 5 });
  const load = async (name: string, n: number) => {
    const w = await sink.open(stream(name), openOptions("upsert"));
    for (let i = 0; i < n; i += 5) {
      await w.write(Array.from({ length: 5 }, (_, k) => ({ id: `${name}-${i + k}`, name: `x${i + k}` })));
    }
    return w.commit({ stateKey: name, checkpoint: { n } });
  };
  const [a, b] = await Promise.all([load("tags", 50), load("teams", 40)]);
  expect([a.records, b.records]).toEqual([50, 40]);
  const store = sink.stateStore();
  expect([await store.load("tags"), await store.load("teams")]).toEqual([{ n: 50 }, { n: 40 }]);
  await sink.close();
});
