/**
 * Hardening (MariaDB): stale staging tables, oversize records, duplicate keys, empty replace,
 * tombstones, and continuous delivery.
 */
import { randomBytes } from "node:crypto";
import {
  ConfigError,
  DataError,
  type JsonObject,
  type StreamDescriptor,
  TOMBSTONE_FIELD,
} from "@sluice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import { stagingNames } from "./staging.js";
import { createTestDatabase, openOptions, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
const sinks: AuroraSink[] = [];
const makeSink = (extra: Record<string, unknown> = {}) => {
  const s = auroraSink({ url: db.url, batchRows: 5, ...extra });
  sinks.push(s);
  return s;
};
const query = async (sql: string, params: unknown[] = []) =>
  (await db.conn.query(sql, params))[0] as JsonObject[];
const count = async (table: string) => Number((await query(`SELECT COUNT(*) AS n FROM \`${table}\``))[0]?.n);
const like = async (prefix: string) =>
  (await query(`SHOW TABLES LIKE '${prefix.replace(/_/g, "\\_")}%'`)).map((r) => Object.values(r)[0]);
const unique = (base: string) => `${base}_${randomBytes(3).toString("hex")}`;

const items = (name: string): StreamDescriptor => ({
  name,
  primaryKey: ["id"],
  schema: { type: "object", properties: { id: { type: "string" }, v: { type: "integer" } } },
});
const orders = (table: string): StreamDescriptor => ({
  name: "orders",
  primaryKey: ["id"],
  layout: {
    table,
    columns: [
      { name: "id", type: "string", maxLength: 32, key: true },
      { name: "v", type: "integer" },
    ],
    children: [
      {
        table: `${table}_line`,
        path: "lines",
        parentColumns: [{ name: "order_id", type: "string", maxLength: 32, path: "id" }],
        columns: [
          { name: "no", type: "integer", key: true },
          { name: "sku", type: "string", maxLength: 16 },
        ],
      },
    ],
  },
});
const order = (id: string, v: number, lines: number): JsonObject => ({
  id,
  v,
  lines: Array.from({ length: lines }, (_, i) => ({ no: i + 1, sku: `sku-${id}-${i}` })),
});

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of sinks) await s.close();
  await db?.drop();
});

describe("stale staging tables", () => {
  it("a crashed run's staging tables are swept at the next replace, a live run's never", async () => {
    const d = items(unique("swept"));
    const table = d.name;
    let w = await makeSink().open(d, openOptions("replace"));
    await w.write([{ id: "a", v: 1 }]);
    await w.commit({ stateKey: "k" });
    // A crashed run: staging and old tables whose lock nobody holds.
    const crashed = stagingNames(table, "crashed-run", new Date(Date.now() - 86_400_000), "x");
    await db.conn.query(`CREATE TABLE \`${crashed.staging}\` LIKE \`${table}\``);
    await db.conn.query(`CREATE TABLE \`${crashed.old}\` LIKE \`${table}\``);
    // A live run in another sink instance: rows flushed into its staging, lock held.
    const live = await makeSink().open(d, openOptions("replace"));
    await live.write(Array.from({ length: 6 }, (_, i) => ({ id: `l${i}`, v: i })));
    let liveStaging: unknown[] = [];
    for (let i = 0; i < 200 && liveStaging.length === 0; i++) {
      liveStaging = (await like(`${table}__stg_`)).filter((t) => t !== crashed.staging);
      if (liveStaging.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(liveStaging).toHaveLength(1);

    w = await makeSink().open(d, openOptions("replace"));
    expect((await like(`${table}__`)).sort()).toEqual(liveStaging);
    await w.write([{ id: "b", v: 2 }]);
    await w.commit({ stateKey: "k" });
    expect(await like(`${table}__`)).toEqual(liveStaging);
    await live.abort("done");
    expect(await like(`${table}__`)).toEqual([]);
  });
});

describe("oversize records", () => {
  it("a record larger than max_allowed_packet is a DataError naming stream, position and id; nothing staged", async () => {
    const [{ p }] = (await query("SELECT @@max_allowed_packet AS p")) as Array<{ p: number }> as [
      { p: number },
    ];
    const d = items(unique("big"));
    for (const loadMethod of ["insert", "load-data"] as const) {
      const w = await makeSink({ loadMethod }).open(d, openOptions("replace"));
      const huge = { id: "huge-1", v: 1, blob: "x".repeat(Number(p) + 10) };
      const error = await w.write([{ id: "ok", v: 0 }, huge]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).location).toMatchObject({
        stream: d.name,
        position: 1,
        recordId: "huge-1",
      });
      expect((error as Error).message).toContain("max_allowed_packet");
      expect((error as Error).message).not.toContain("xxxx");
      expect(await like(`${d.name}__`)).toEqual([]);
      await w.abort(error);
    }
  });
});

describe("duplicate keys in one batch", () => {
  it.each(["replace", "upsert"] as const)("%s reports rows < records and the duplicates", async (mode) => {
    const d = items(unique("dupes"));
    const w = await makeSink().open(d, openOptions(mode));
    await w.write([
      { id: "a", v: 1 },
      { id: "b", v: 2 },
      { id: "a", v: 3 },
    ]);
    const r = await w.commit({ stateKey: "k" });
    expect(r.records).toBe(3);
    expect(r.details).toMatchObject({ rows: 2, duplicates: 1 });
    expect(await query(`SELECT id, v FROM \`${d.name}\` ORDER BY id`)).toEqual([
      { id: "a", v: 3 },
      { id: "b", v: 2 },
    ]);
  });
});

describe("empty replace", () => {
  it("refuses to empty a populated table unless allowEmptyReplace", async () => {
    const d = items(unique("empty"));
    let w = await makeSink().open(d, openOptions("replace"));
    await w.write([{ id: "a", v: 1 }]);
    await w.commit({ stateKey: "k" });
    w = await makeSink().open(d, openOptions("replace"));
    const error = await w.commit({ stateKey: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/would empty table .*allowEmptyReplace/);
    await w.abort(error);
    expect(await count(d.name)).toBe(1);
    expect(await like(`${d.name}__`)).toEqual([]);

    w = await makeSink({ allowEmptyReplace: true }).open(d, openOptions("replace"));
    await w.commit({ stateKey: "k" });
    expect(await count(d.name)).toBe(0);
  });
});

describe("child tables and tombstones", () => {
  it("replace swaps parent and children; upsert rewrites a parent's children; tombstones delete both", async () => {
    const table = unique("ord");
    const d = orders(table);
    let w = await makeSink().open(d, openOptions("replace"));
    await w.write([order("o1", 1, 3), order("o2", 2, 2), order("o3", 3, 1)]);
    expect((await w.commit({ stateKey: "k" })).details).toMatchObject({
      rows: 3,
      children: { [`${table}_line`]: 6 },
    });

    w = await makeSink().open(d, openOptions("upsert"));
    await w.write([
      order("o1", 10, 1), // rewrites o1's lines: 3 → 1
      { id: "o2", [TOMBSTONE_FIELD]: true }, // deletes o2 and its lines
      { id: "o3", [TOMBSTONE_FIELD]: true },
      order("o3", 30, 2), // a later record wins over the tombstone
      order("o4", 4, 1),
    ]);
    const r = await w.commit({ stateKey: "k", checkpoint: { at: 2 } });
    expect(r).toMatchObject({ checkpointPersisted: true, details: { deleted: 1 } });
    expect(await query(`SELECT id, v FROM \`${table}\` ORDER BY id`)).toEqual([
      { id: "o1", v: 10 },
      { id: "o3", v: 30 },
      { id: "o4", v: 4 },
    ]);
    expect(await query(`SELECT order_id, no FROM \`${table}_line\` ORDER BY order_id, no`)).toEqual([
      { order_id: "o1", no: 1 },
      { order_id: "o3", no: 1 },
      { order_id: "o3", no: 2 },
      { order_id: "o4", no: 1 },
    ]);
    const raw = (await query(`SELECT raw FROM \`${table}\` WHERE id = 'o1'`))[0]?.raw;
    expect(typeof raw === "string" ? JSON.parse(raw) : raw).toEqual({ id: "o1", v: 10 });
  });
});

describe("continuous delivery", () => {
  it("a long-lived writer commits one transaction per micro-batch, with its checkpoint; no staging", async () => {
    const table = unique("cont");
    const d = orders(table);
    const sink = makeSink({ tables: { sync_state: `${table}_state` } });
    expect(sink.capabilities).toMatchObject({ continuous: true, maxOpenWriters: 10 });
    await expect(sink.open(d, { ...openOptions("replace"), delivery: "continuous" })).rejects.toBeInstanceOf(
      ConfigError,
    );
    const w = await sink.open(d, { ...openOptions("upsert"), delivery: "continuous" });
    for (let batch = 0; batch < 3; batch++) {
      // 12 records with batchRows 5: flushed inside the transaction before the commit
      await w.write(Array.from({ length: 12 }, (_, i) => order(`o${batch * 100 + i}`, batch, 2)));
      expect(await count(table)).toBe(batch * 12);
      const r = await w.commit({ stateKey: "s/orders", checkpoint: { batch } });
      expect(r).toMatchObject({ records: 12, checkpointPersisted: true, details: { rows: 12 } });
      expect(await count(table)).toBe((batch + 1) * 12);
      expect(await sink.stateStore().load("s/orders")).toEqual({ batch });
    }
    expect(await count(`${table}_line`)).toBe(72);
    await w.write([order("o0", 99, 0), { id: "o1", [TOMBSTONE_FIELD]: true }]);
    const r = await w.commit({ stateKey: "s/orders", checkpoint: { batch: 3 } });
    expect(r.details).toMatchObject({ deleted: 1 });
    expect(await query(`SELECT v FROM \`${table}\` WHERE id IN ('o0', 'o1')`)).toEqual([{ v: 99 }]);
    expect(await count(`${table}_line`)).toBe(68);
    // Uncommitted writes roll back on abort.
    await w.write([order("zz", 1, 1)]);
    await w.abort("stop");
    expect(await query(`SELECT id FROM \`${table}\` WHERE id = 'zz'`)).toEqual([]);
    expect(await like(`${table}__`)).toEqual([]);
    await w.close?.();
  });
});
