import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { JsonObject } from "@sluice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEncoder, decodeParquet, type RangeReader } from "./index.js";
import { contacts, decodeAll, encodeAll, expectDataError } from "./test-helpers.js";

let dir: string;
let db: DuckDBConnection;
let fileNo = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-formats-parquet-"));
  db = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => {
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function save(bytes: Uint8Array): string {
  const file = join(dir, `f${fileNo++}.parquet`);
  writeFileSync(file, bytes);
  return file;
}
async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}
function rangeReader(bytes: Uint8Array, reads: [number, number][] = []): RangeReader {
  return {
    size: bytes.length,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return bytes.subarray(offset, offset + length);
    },
  };
}
async function readAll(reader: RangeReader, batchSize?: number): Promise<JsonObject[][]> {
  const out: JsonObject[][] = [];
  for await (const batch of decodeParquet(reader, { key: "k.parquet", ...(batchSize ? { batchSize } : {}) }))
    out.push(batch);
  return out;
}

describe("parquet read back with DuckDB", () => {
  test("inferred schema, row groups, values including unicode/emoji/RTL, nested JSON and nulls", async () => {
    const records = contacts(2500);
    const encoder = createEncoder({ format: "parquet", parquet: { rowGroupSize: 1000 } });
    const chunks: Uint8Array[] = [];
    let before = 0;
    for (let i = 0; i < records.length; i += 300) {
      const out = await encoder.encode(records.slice(i, i + 300));
      if (i + 300 < 1000) before += out.length; // nothing is emitted before the first row group is full
      chunks.push(...out);
    }
    expect(before).toBe(0);
    expect(chunks.length).toBeGreaterThan(0); // row groups 1 and 2 were emitted before finish
    chunks.push(...(await encoder.finish()));
    expect(encoder.stats.records).toBe(2500);
    const bytes = Buffer.concat(chunks);
    expect(encoder.stats.bytesOut).toBe(bytes.length);
    const file = save(bytes);

    const groups = await query(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`);
    expect(Number(groups[0]?.n)).toBe(3);
    const types = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      type: "VARCHAR",
      id: "VARCHAR",
      workspace_id: "VARCHAR",
      role: "VARCHAR",
      email: "VARCHAR",
      name: "VARCHAR",
      created_at: "BIGINT",
      unsubscribed_from_emails: "BOOLEAN",
      score: "DOUBLE",
      custom_attributes: "VARCHAR",
      tags: "VARCHAR",
    });

    const [agg] = await query(
      `SELECT count(*) AS n, count(name) AS named, sum(created_at) AS s, sum(score) AS score FROM read_parquet('${file}')`,
    );
    expect(Number(agg?.n)).toBe(records.length);
    expect(Number(agg?.named)).toBe(records.filter((r) => r.name !== null).length);
    expect(Number(agg?.s)).toBe(records.reduce((s, r) => s + (r.created_at as number), 0));
    expect(agg?.score as number).toBeCloseTo(
      records.reduce((s, r) => s + (r.score as number), 0),
      6,
    );

    const rows = await query(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
    const expected = [...records].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    rows.forEach((row, i) => {
      const want = expected[i] as JsonObject;
      expect(row.id).toBe(want.id);
      expect(row.name).toBe(want.name);
      expect(Number(row.created_at)).toBe(want.created_at);
      expect(row.unsubscribed_from_emails).toBe(want.unsubscribed_from_emails);
      expect(row.score).toBe(want.score);
      expect(JSON.parse(row.custom_attributes as string)).toEqual(want.custom_attributes);
      expect(JSON.parse(row.tags as string)).toEqual(want.tags);
    });

    // and our own decoder gives the records back, one row group at a time
    const batches = await readAll(rangeReader(bytes), 400);
    expect(batches.map((b) => b.length)).toEqual([400, 400, 200, 400, 400, 200, 400, 100]);
    expect(batches.flat()).toEqual(records);
  });

  test("unicode, emoji, RTL, control characters and nulls survive", async () => {
    const records: JsonObject[] = [
      { s: "emoji 😀👩‍👩‍👧🏳️‍🌈", n: 1 },
      { s: "RTL مرحبا بالعالم שלום", n: null },
      { s: null, n: 3 },
      { s: "nul\u0000tab\tnewline\n\u2028 ü é ß 中文 한국어", n: 4 },
      { s: "", n: -5 },
    ];
    const file = save(await encodeAll({ format: "parquet" }, [records]));
    const rows = await query(`SELECT s, n FROM read_parquet('${file}')`);
    expect(rows.map((r) => ({ s: r.s, n: r.n === null ? null : Number(r.n) }))).toEqual(records);
    const [lengths] = await query(
      `SELECT sum(strlen(s)) AS bytes, count(s) AS non_null FROM read_parquet('${file}')`,
    );
    expect(Number(lengths?.non_null)).toBe(4);
    expect(Number(lengths?.bytes)).toBe(
      records.reduce((sum, r) => sum + Buffer.byteLength((r.s as string | null) ?? ""), 0),
    );
  });

  test.each(["snappy", "gzip", "zstd", "none"] as const)("compression %s", async (compression) => {
    const records = contacts(300);
    const bytes = await encodeAll({ format: "parquet", parquet: { compression } }, [records]);
    const file = save(bytes);
    const meta = await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    expect(meta.map((m) => m.compression)).toEqual([
      compression === "none" ? "UNCOMPRESSED" : compression.toUpperCase(),
    ]);
    const [agg] = await query(
      `SELECT count(*) AS n, count(DISTINCT email) AS e FROM read_parquet('${file}')`,
    );
    expect(Number(agg?.n)).toBe(300);
    expect(Number(agg?.e)).toBe(300);
    expect((await readAll(rangeReader(bytes))).flat()).toEqual(records);
  });

  test("explicit JSON Schema gives the columns, types and order; unknown keys are counted", async () => {
    const schema = {
      type: "object",
      properties: {
        id: { type: "string" },
        n: { type: ["integer", "null"] },
        x: { type: "number" },
        ok: { type: "boolean" },
        meta: { type: "object", properties: { a: { type: "string" } } },
        list: { type: "array", items: { type: "string" } },
        mixed: { anyOf: [{ type: "string" }, { type: "integer" }] },
        never: { type: "string" },
      },
    };
    const records: JsonObject[] = [
      { ok: true, id: "a", n: 1, x: 1, meta: { a: "é" }, list: ["x"], mixed: "s", extra: 1 },
      { id: "b", n: null, x: 2.5, ok: false, meta: null, list: [], mixed: 7, extra: 2, more: true },
    ];
    const encoder = createEncoder({ format: "parquet", parquet: { schema } });
    const bytes = Buffer.concat([...(await encoder.encode(records)), ...(await encoder.finish())]);
    expect(encoder.stats.unknownKeys).toEqual({ extra: 2, more: 1 });
    const file = save(bytes);
    const types = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(types.map((t) => `${t.column_name}:${t.column_type}`)).toEqual([
      "id:VARCHAR",
      "n:BIGINT",
      "x:DOUBLE",
      "ok:BOOLEAN",
      "meta:VARCHAR",
      "list:VARCHAR",
      "mixed:VARCHAR",
      "never:VARCHAR",
    ]);
    expect((await readAll(rangeReader(bytes))).flat()).toEqual([
      { id: "a", n: 1, x: 1, ok: true, meta: { a: "é" }, list: ["x"], mixed: "s", never: null },
      { id: "b", n: null, x: 2.5, ok: false, meta: null, list: [], mixed: 7, never: null },
    ]);
  });

  test("schema-declared timestamp, date and int64 beyond 2^53 (as decimal text) keep their types and values", async () => {
    const schema = {
      properties: {
        id: { type: "integer" },
        at: { type: ["string", "null"], format: "date-time" },
        day: { type: "string", format: "date" },
      },
    };
    const big = "-1009007199254740993"; // below -2^53: a JSON number would round it
    const records: JsonObject[] = [
      { id: big, at: "2026-01-01T03:00:00.000Z", day: "2026-01-01" },
      { id: 7, at: null, day: "1969-12-31" },
    ];
    const bytes = await encodeAll({ format: "parquet", parquet: { schema } }, [records]);
    const file = save(bytes);
    const types = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(types.map((t) => `${t.column_name}:${t.column_type}`)).toEqual([
      "id:BIGINT",
      "at:TIMESTAMP",
      "day:DATE",
    ]);
    const rows = await query(
      `SELECT id::VARCHAR AS id, strftime("at", '%Y-%m-%dT%H:%M:%S') AS "at", day::VARCHAR AS day FROM read_parquet('${file}')`,
    );
    expect(rows).toEqual([
      { id: big, at: "2026-01-01T03:00:00", day: "2026-01-01" },
      { id: "7", at: null, day: "1969-12-31" },
    ]);
    const bad = createEncoder({ format: "parquet", parquet: { schema } });
    await expectDataError(
      bad.encode([{ id: 1, at: "yesterday", day: "2026-01-01" }]).then(() => bad.finish()),
      {
        position: 0,
        field: "at",
      },
    );
  });

  test("a value that does not fit its column is a DataError naming record index and field", async () => {
    const encoder = createEncoder({ format: "parquet", parquet: { rowGroupSize: 2 } });
    await encoder.encode([{ n: 1 }, { n: 2 }]); // infers n: integer
    await expectDataError(encoder.encode([{ n: 3 }, { n: 3.5 }]), { position: 3, field: "n" });
    const typed = createEncoder({
      format: "parquet",
      parquet: { schema: { properties: { s: { type: "string" } } } },
    });
    await typed.encode([{ s: "a" }, { s: 5 }]);
    await expectDataError(typed.finish(), { position: 1, field: "s" });
  });

  test("integers and floats mixed in the first row group become DOUBLE; only-null columns hold JSON", async () => {
    const bytes = await encodeAll({ format: "parquet" }, [
      [
        { a: 1, b: null },
        { a: 2.5, b: null },
      ],
      [{ a: 3, b: { x: 1 } }],
    ]);
    const file = save(bytes);
    const types = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(types.map((t) => t.column_type)).toEqual(["DOUBLE", "VARCHAR"]);
    expect((await readAll(rangeReader(bytes))).flat()).toEqual([
      { a: 1, b: null },
      { a: 2.5, b: null },
      { a: 3, b: { x: 1 } },
    ]);
  });

  test("zero records: with a schema a valid empty file with its columns; without, one placeholder column", async () => {
    const withSchema = save(
      await encodeAll(
        {
          format: "parquet",
          parquet: { schema: { properties: { id: { type: "string" }, n: { type: "integer" } } } },
        },
        [],
      ),
    );
    expect(Number((await query(`SELECT count(*) AS n FROM read_parquet('${withSchema}')`))[0]?.n)).toBe(0);
    expect(
      (await query(`DESCRIBE SELECT * FROM read_parquet('${withSchema}')`)).map((t) => t.column_name),
    ).toEqual(["id", "n"]);

    const bare = await encodeAll({ format: "parquet" }, [[]]);
    const file = save(bare);
    expect(Number((await query(`SELECT count(*) AS n FROM read_parquet('${file}')`))[0]?.n)).toBe(0);
    expect(await readAll(rangeReader(bare))).toEqual([]);
    // records without keys keep their row count and decode back to empty objects
    const keyless = await encodeAll({ format: "parquet" }, [[{}, {}]]);
    expect(Number((await query(`SELECT count(*) AS n FROM read_parquet('${save(keyless)}')`))[0]?.n)).toBe(2);
    expect((await readAll(rangeReader(keyless))).flat()).toEqual([{}, {}]);
  });

  test("decodeParquet reads ranges, never the whole file at once", async () => {
    const records = contacts(6000).map((r, i) => ({
      ...r,
      noise: `${i}-${Math.sin(i).toString(36)}`.repeat(40),
    }));
    const bytes = await encodeAll(
      { format: "parquet", parquet: { rowGroupSize: 2000, compression: "none" } },
      [records],
    );
    expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    const reads: [number, number][] = [];
    const batches = await readAll(rangeReader(bytes, reads), 1000);
    expect(batches.flat().length).toBe(6000);
    expect(batches.flat()[5999]).toEqual(records[5999]);
    expect(Math.max(...reads.map(([, length]) => length))).toBeLessThan(bytes.length / 2);
    // footer + one coalesced read per row group (hyparquet merges adjacent column chunks): few S3 GETs
    expect(reads.length).toBeLessThanOrEqual(2 + 3);
  });

  test("reads a Parquet file written by DuckDB", async () => {
    const file = join(dir, "duck.parquet");
    await db.run(
      `COPY (SELECT i AS id, 'név ' || i AS name, i * 1.5 AS score, i % 2 = 0 AS even,
              TIMESTAMP '2024-01-02 03:04:05' AS ts, CASE WHEN i = 3 THEN NULL ELSE i END AS maybe
             FROM range(5) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    const bytes = (await import("node:fs")).readFileSync(file);
    const out = (await readAll(rangeReader(bytes))).flat();
    expect(out).toHaveLength(5);
    expect(out[3]).toEqual({
      id: 3,
      name: "név 3",
      score: 4.5,
      even: false,
      ts: "2024-01-02T03:04:05.000Z",
      maybe: null,
    });
  });

  test("corrupt files are DataErrors naming the key", async () => {
    await expectDataError(readAll(rangeReader(Buffer.from("not a parquet file at all"))), {
      key: "k.parquet",
    });
    const good = await encodeAll({ format: "parquet" }, [contacts(10)]);
    await expectDataError(
      decodeAll([good.subarray(0, good.length - 10)], { format: "parquet", key: "t.parquet" }),
      {
        key: "t.parquet",
      },
    );
  });
});
