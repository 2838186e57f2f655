/**
 * Done-when: a source no package knows (in-memory, nested schema, composite key) composed with
 * the SQL sink through runPipeline, on MariaDB and on the embedded SQLite option.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type JsonObject,
  type JsonSchema,
  runPipeline,
  type Source,
  type StreamDescriptor,
  type WriteMode,
} from "@sluice/core";
import initSqlJs from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import { createTestDatabase, type TestDatabase } from "./test-support.js";

const baseSchema: JsonSchema = {
  type: "object",
  properties: {
    region: { type: "string", maxLength: 16 },
    reading_no: { type: "integer" },
    station: { type: "string" },
    value: { type: ["number", "null"] },
    ok: { type: "boolean" },
    taken_at: { type: "integer", format: "unix-time" },
    sensor: { type: "object", properties: { model: { type: "string" }, fw: { type: "integer" } } },
    tags: { type: "array", items: { type: "string" } },
  },
};
const withNote: JsonSchema = {
  ...baseSchema,
  properties: { ...(baseSchema.properties as object), note: { type: ["string", "null"], maxLength: 100 } },
};

function reading(i: number, version = 1, note = false): JsonObject {
  return {
    region: i % 2 === 0 ? "north" : "south",
    reading_no: i,
    station: `st-${i % 5}`,
    value: i * 1.5 + version,
    ok: i % 3 !== 0,
    taken_at: 1_700_000_000 + i,
    sensor: { model: "x1", fw: version },
    tags: ["a", `t${i}`],
    ...(note ? { note: `v${version}` } : {}),
  };
}

/** An in-memory source with its own stream: nothing in any package knows it. */
function readingsSource(records: JsonObject[], schema: JsonSchema): Source {
  const descriptor: StreamDescriptor = {
    name: "sensor_readings",
    primaryKey: ["region", "reading_no"],
    schema,
  };
  return {
    name: "readings",
    discover: async () => [descriptor],
    async *read() {
      for (let i = 0; i < records.length; i += 7) yield { kind: "records", records: records.slice(i, i + 7) };
      yield { kind: "checkpoint", checkpoint: { n: records.length } };
    },
  };
}

const range = (from: number, to: number, version = 1, note = false) =>
  Array.from({ length: to - from }, (_, k) => reading(from + k, version, note));

interface Target {
  sink(): AuroraSink;
  rows(): Promise<JsonObject[]>;
  columns(): Promise<Record<string, string>>;
}

async function run(t: Target, mode: WriteMode, records: JsonObject[], schema = baseSchema) {
  const sink = t.sink();
  try {
    return await runPipeline({
      source: readingsSource(records, schema),
      sink,
      writeMode: mode,
      syncMode: "full",
    });
  } finally {
    await sink.close();
  }
}

function suite(name: string, target: () => Target) {
  describe(name, () => {
    it("replace, append and upsert land typed columns plus raw; an added field adds a column", async () => {
      const t = target();
      await run(t, "replace", range(0, 10));
      const cols = await t.columns();
      expect(Object.keys(cols)).toEqual([
        "region",
        "reading_no",
        "station",
        "value",
        "ok",
        "taken_at",
        "sensor",
        "tags",
        "raw",
      ]);
      let rows = await t.rows();
      expect(rows).toHaveLength(10);
      const r3 = rows.find((r) => r.reading_no === 3)!;
      expect(r3).toMatchObject({ region: "south", station: "st-3", value: 5.5, ok: 0 });
      expect(String(r3.taken_at)).toMatch(/^2023-11-14 22:13:23/);
      expect(JSON.parse(String(r3.sensor))).toEqual({ model: "x1", fw: 1 });
      expect(JSON.parse(String(r3.raw))).toEqual(reading(3));

      await run(t, "append", range(10, 15));
      expect(await t.rows()).toHaveLength(15);

      // Second run with an added field: a new nullable column, no row lost.
      await run(t, "upsert", range(12, 20, 2, true), withNote);
      expect(Object.keys(await t.columns())).toContain("note");
      rows = await t.rows();
      expect(rows).toHaveLength(20);
      expect(rows.find((r) => r.reading_no === 1)).toMatchObject({ note: null });
      expect(rows.find((r) => r.reading_no === 13)).toMatchObject({ note: "v2", value: 13 * 1.5 + 2 });
      expect(JSON.parse(String(rows.find((r) => r.reading_no === 19)!.raw))).toEqual(reading(19, 2, true));

      await run(t, "replace", range(0, 4, 3, true), withNote);
      expect((await t.rows()).map((r) => r.reading_no).sort()).toEqual([0, 1, 2, 3]);
    });
  });
}

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "sluice-generic-"));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

suite("MariaDB", () => {
  const table = `readings_${randomBytes(3).toString("hex")}`;
  return {
    sink: () => auroraSink({ url: db.url, tables: { sensor_readings: table }, batchRows: 4 }),
    async rows() {
      const [rows] = await db.conn.query(`SELECT * FROM \`${table}\``);
      return (rows as JsonObject[]).map((r) => ({
        ...r,
        ok: Number(r.ok),
        taken_at: String(
          r.taken_at instanceof Date ? r.taken_at.toISOString().replace("T", " ") : r.taken_at,
        ),
        sensor: typeof r.sensor === "string" ? r.sensor : JSON.stringify(r.sensor),
        raw: typeof r.raw === "string" ? r.raw : JSON.stringify(r.raw),
        reading_no: Number(r.reading_no),
      }));
    },
    async columns() {
      const [rows] = await db.conn.query(
        "SELECT column_name AS n, column_type AS t FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [db.database, table],
      );
      return Object.fromEntries((rows as Array<{ n: string; t: string }>).map((r) => [r.n, r.t]));
    },
  };
});

suite("embedded SQLite", () => {
  const file = join(dir, `w-${randomBytes(3).toString("hex")}.sqlite`);
  const open = async () => new (await initSqlJs()).Database(await readFile(file));
  const select = async (sql: string) => {
    const database = await open();
    try {
      const res = database.exec(sql)[0];
      return (res?.values ?? []).map((v) => Object.fromEntries(res!.columns.map((c, i) => [c, v[i]])));
    } finally {
      database.close();
    }
  };
  return {
    sink: () => auroraSink({ embedded: { sqlite: file }, batchRows: 4 }),
    rows: async () => (await select("SELECT * FROM sensor_readings")) as JsonObject[],
    columns: async () =>
      Object.fromEntries(
        (await select("SELECT name, type FROM pragma_table_info('sensor_readings')")).map((r) => [
          r.name,
          r.type,
        ]),
      ) as Record<string, string>,
  };
});
