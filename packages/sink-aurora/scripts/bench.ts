/**
 * Rows/s for 100k contact-like rows into the local MariaDB:
 *   this sink (replace; load-data and insert) vs raw LOAD DATA LOCAL INFILE vs TypeORM repository.save.
 * Not a test. Run: cd packages/sink-aurora && npx tsx --conditions sluice-source scripts/bench.ts
 * Env: BENCH_ROWS (default 100000), BENCH_SAVE_ROWS (default 20000), SLUICE_TEST_MYSQL_HOST/PORT/USER.
 */
import { Readable } from "node:stream";
import type { JsonObject } from "@sluice/core";
import { DataSource } from "typeorm";
import { auroraSink, buildEntities, DEFAULT_TABLES } from "../src/index.js";
import { TABLE_SPECS, toRow } from "../src/tables.js";
import {
  contact,
  createTestDatabase,
  MYSQL_HOST,
  MYSQL_PORT,
  MYSQL_USER,
  openOptions,
  stream,
} from "../src/test-support.js";
import { encodeTsvRows } from "../src/tsv.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SAVE_ROWS = Number(process.env.BENCH_SAVE_ROWS ?? 20_000);
const BATCH = 1000; // records per write() call, like the runner's default batch

const db = await createTestDatabase();
const { conn, database, url } = db;
const records: JsonObject[] = Array.from({ length: ROWS }, (_, i) => contact(i));
const results: Array<{ name: string; rows: number; seconds: number; rowsPerSec: number }> = [];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Best of ROUNDS (the machine is shared; the minimum is the least disturbed run). */
const best = async (fn: () => Promise<number>) => {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) min = Math.min(min, await fn());
  return min;
};
const record = (name: string, rows: number, ms: number) => {
  results.push({ name, rows, seconds: ms / 1000, rowsPerSec: Math.round(rows / (ms / 1000)) });
  console.log(
    `${name.padEnd(44)} ${rows} rows in ${(ms / 1000).toFixed(2)} s = ${Math.round(rows / (ms / 1000))} rows/s`,
  );
};
const count = async (t: string) =>
  Number(((await conn.query(`SELECT COUNT(*) AS n FROM \`${t}\``))[0] as Array<{ n: number }>)[0]?.n);

try {
  for (const loadMethod of ["load-data", "insert"] as const) {
    const sink = auroraSink({
      url,
      loadMethod,
      tables: { contacts: `users_${loadMethod.replace("-", "_")}` },
    });
    await sink.migrate();
    const ms = await best(async () => {
      const t0 = performance.now();
      const w = await sink.open(stream("contacts"), openOptions("replace"));
      for (let i = 0; i < ROWS; i += BATCH) await w.write(records.slice(i, i + BATCH));
      await w.commit({ stateKey: "bench" });
      return performance.now() - t0;
    });
    record(`auroraSink replace (${loadMethod})`, ROWS, ms);
    if ((await count(`users_${loadMethod.replace("-", "_")}`)) !== ROWS)
      throw new Error("row count mismatch");
    await sink.close();
  }
  {
    const sink = auroraSink({ url });
    await sink.migrate();
    const ms = await best(async () => {
      await conn.query("TRUNCATE TABLE users");
      const t0 = performance.now();
      const w = await sink.open(stream("contacts"), openOptions("upsert"));
      for (let i = 0; i < ROWS; i += BATCH) await w.write(records.slice(i, i + BATCH));
      await w.commit({ stateKey: "bench", checkpoint: { cursor: 1 } });
      return performance.now() - t0;
    });
    record("auroraSink upsert into empty (load-data)", ROWS, ms);
    await sink.close();
  }

  // Raw LOAD DATA: the same rows as TSV, one statement, no staging/swap.
  await conn.query("CREATE TABLE raw_users LIKE users");
  const cols = TABLE_SPECS.contacts.columns.map((c) => `\`${c.name}\``).join(",");
  const load = async (label: string, chunks: () => Iterable<Buffer>) => {
    const ms = await best(async () => {
      await conn.query("TRUNCATE TABLE raw_users");
      const t0 = performance.now();
      const built = chunks();
      await conn.query({
        sql: `LOAD DATA LOCAL INFILE 'x.tsv' INTO TABLE raw_users CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${cols})`,
        infileStreamFactory: () => Readable.from(built),
      });
      return performance.now() - t0;
    });
    record(label, ROWS, ms);
  };
  const rows = records.map((r) => toRow(TABLE_SPECS.contacts, r));
  const tsv = [...encodeTsvRows(rows)];
  await load("raw LOAD DATA (TSV prebuilt)", () => tsv);
  await load("raw LOAD DATA (TSV built from records)", () =>
    encodeTsvRows(records.map((r) => toRow(TABLE_SPECS.contacts, r))),
  );

  // TypeORM repository.save, chunked.
  const ds = new DataSource({
    type: "mysql",
    connectorPackage: "mysql2",
    ...{ host: MYSQL_HOST, port: MYSQL_PORT, username: MYSQL_USER, database },
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
    entities: buildEntities("mysql", { ...DEFAULT_TABLES, contacts: "raw_users" }),
  });
  await ds.initialize();
  await conn.query("TRUNCATE TABLE raw_users");
  const repo = ds.getRepository<Record<string, unknown>>("IntercomContact");
  const entities = records.slice(0, SAVE_ROWS).map((r) => ({
    ...r,
    created_at: new Date(Number(r.created_at) * 1000),
    updated_at: new Date(Number(r.updated_at) * 1000),
    last_seen_at: r.last_seen_at ? new Date(Number(r.last_seen_at) * 1000) : null,
    signed_up_at: new Date(Number(r.signed_up_at) * 1000),
    raw: r,
  }));
  const t0 = performance.now();
  await repo.save(entities, { chunk: 1000 });
  record(`TypeORM repository.save (chunk 1000, ${SAVE_ROWS} rows)`, SAVE_ROWS, performance.now() - t0);
  await ds.destroy();

  const raw = results.find((r) => r.name === "raw LOAD DATA (TSV prebuilt)")!.rowsPerSec;
  console.log("\nratio to raw LOAD DATA (prebuilt TSV):");
  for (const r of results) console.log(`  ${r.name.padEnd(44)} ${(r.rowsPerSec / raw).toFixed(2)}x`);
} finally {
  await db.drop();
}
