import { AuthError, DataError, TransientError } from "@sluice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import {
  createTestDatabase,
  MYSQL_HOST,
  MYSQL_PORT,
  openOptions,
  stream,
  type TestDatabase,
} from "./test-support.js";

let db: TestDatabase;
const sinks: AuroraSink[] = [];
const makeSink = (extra: Record<string, unknown> = {}) => {
  const s = auroraSink({ url: db.url, ...extra });
  sinks.push(s);
  return s;
};
const tables = async () =>
  ((await db.conn.query("SHOW TABLES"))[0] as Array<Record<string, string>>)
    .map((r) => Object.values(r)[0])
    .sort();

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of sinks) await s.close();
  await db?.drop();
});

const colTypes = async (table: string) => {
  const [rows] = await db.conn.query(
    "SELECT column_name AS n, column_type AS t FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
    [db.database, table],
  );
  return Object.fromEntries((rows as Array<{ n: string; t: string }>).map((r) => [r.n, r.t]));
};
const schema = (properties: Record<string, unknown>) => ({ type: "object", properties });

describe("schema evolution", () => {
  it("migrate() creates the tables once (utf8mb4_unicode_ci), records it, and is a no-op again", async () => {
    const sink = makeSink({ migrate: false });
    await expect(sink.open(stream("contacts"), openOptions("replace"))).rejects.toMatchObject({
      code: "config_invalid",
      message: expect.stringContaining("run migrate()"),
    });
    await makeSink().migrate([stream("contacts"), stream("conversations")]);
    expect(await tables()).toEqual(
      expect.arrayContaining([
        "users",
        "conversation",
        "conversation_part",
        "sync_state",
        "sluice_schema_migrations",
      ]),
    );
    const [collations] = await db.conn.query(
      "SELECT DISTINCT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
      [db.database],
    );
    expect(collations).toEqual([{ c: "utf8mb4_unicode_ci" }]);
    const recorded = async () =>
      (
        (await db.conn.query("SELECT table_name AS t FROM sluice_schema_migrations ORDER BY t"))[0] as Array<{
          t: string;
        }>
      ).map((r) => r.t);
    expect(await recorded()).toEqual(["conversation", "conversation_part", "users"]);
    await makeSink().migrate([stream("contacts"), stream("conversations")]);
    expect(await recorded()).toEqual(["conversation", "conversation_part", "users"]);
    // Now the tables exist: migrate: false opens them.
    const w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.abort("done");
  });

  it("a new property adds a nullable column; a wider string widens; a disappeared one stays; rows kept", async () => {
    const v1 = {
      name: "evo",
      primaryKey: ["id"],
      schema: schema({ id: { type: "string" }, code: { type: "string", maxLength: 8 } }),
    };
    let w = await makeSink().open(v1, openOptions("replace"));
    await w.write([{ id: "a", code: "x" }]);
    await w.commit({ stateKey: "k" });
    expect(await colTypes("evo")).toEqual({
      id: "varchar(255)",
      code: "varchar(8)",
      raw: expect.stringMatching(/json|longtext/),
    });

    const v2 = {
      ...v1,
      schema: schema({
        id: { type: "string" },
        code: { type: "string", maxLength: 40 },
        added: { type: "integer" },
      }),
    };
    w = await makeSink().open(v2, openOptions("upsert"));
    await w.write([{ id: "b", code: "a much longer code than 8", added: 7 }]);
    const r = await w.commit({ stateKey: "k" });
    expect(r.details?.schemaChanges).toEqual([
      { table: "evo", column: "code", action: "widen_column", from: "VARCHAR(8)", to: "VARCHAR(40)" },
      { table: "evo", column: "added", action: "add_column", to: "BIGINT" },
    ]);
    expect(await colTypes("evo")).toMatchObject({ code: "varchar(40)", added: "bigint(20)" });

    const v3 = { ...v1, schema: schema({ id: { type: "string" } }) };
    w = await makeSink().open(v3, openOptions("upsert"));
    await w.write([{ id: "c" }]);
    await w.commit({ stateKey: "k" });
    expect(Object.keys(await colTypes("evo"))).toEqual(["id", "code", "raw", "added"]);
    const [rows] = await db.conn.query("SELECT id, code, added FROM evo ORDER BY id");
    expect(rows).toEqual([
      { id: "a", code: "x", added: null },
      { id: "b", code: "a much longer code than 8", added: 7 },
      { id: "c", code: null, added: null },
    ]);
    const [migrations] = await db.conn.query(
      "SELECT statements FROM sluice_schema_migrations WHERE table_name = 'evo'",
    );
    expect((migrations as unknown[]).length).toBe(2);
  });

  it("an incompatible type is reported, the column kept, and a value that does not fit is a DataError", async () => {
    await db.conn.query(
      "CREATE TABLE clash (id VARCHAR(10) NOT NULL PRIMARY KEY, n INT NULL, raw JSON NOT NULL)",
    );
    const d = {
      name: "clash",
      primaryKey: ["id"],
      schema: schema({ id: { type: "string" }, n: { type: "boolean" } }),
    };
    const w = await makeSink().open(d, openOptions("upsert"));
    await w.write([{ id: "a", n: true }]);
    // bool → an existing INT column: compatible, stored as 1
    await w.commit({ stateKey: "k" });
    const d2 = { ...d, schema: schema({ id: { type: "string" }, n: { type: "string" } }) };
    const w2 = await makeSink().open(d2, openOptions("upsert"));
    const error = await w2.write([{ id: "b", n: "not a number" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).location).toMatchObject({ stream: "clash", recordId: "b", field: "n" });
    await w2.abort(error);
    // An INT column is kept when the schema says integer (BIGINT wanted): out-of-range values fail.
    const d3 = { ...d, schema: schema({ id: { type: "string" }, n: { type: "integer" } }) };
    const big = await makeSink().open(d3, openOptions("upsert"));
    await expect(big.write([{ id: "y", n: 2 ** 40 }])).rejects.toThrow(/out of range for a 32-bit column/);
    await big.abort("x");
    expect(await colTypes("clash")).toMatchObject({ id: "varchar(255)", n: "int(11)" });
  });

  it("concurrent first opens of a new table serialise on the DDL lock (one CREATE recorded)", async () => {
    const d = {
      name: "race",
      primaryKey: ["id"],
      schema: schema({ id: { type: "string" }, v: { type: "integer" } }),
    };
    const writers = await Promise.all([1, 2, 3].map(() => makeSink().open(d, openOptions("upsert"))));
    await Promise.all(
      writers.map((w, i) => w.write([{ id: `r${i}`, v: i }]).then(() => w.commit({ stateKey: "k" }))),
    );
    const [[row]] = (await db.conn.query(
      "SELECT COUNT(*) AS n FROM sluice_schema_migrations WHERE table_name = 'race'",
    )) as unknown as [Array<{ n: number }>];
    expect(Number(row?.n)).toBe(1);
    const [[count]] = (await db.conn.query("SELECT COUNT(*) AS n FROM race")) as unknown as [
      Array<{ n: number }>,
    ];
    expect(Number(count?.n)).toBe(3);
  });
});

describe("check", () => {
  it("passes on a reachable database", async () => {
    await expect(makeSink().check!()).resolves.toBeUndefined();
  });

  it("access denied -> AuthError without the password", async () => {
    const password = ["Wr0ng", "Pa55word", "xyz"].join("-"); // fake, assembled at run time
    const sink = auroraSink({
      url: `mysql://sluice_nobody:${password}@${MYSQL_HOST}:${MYSQL_PORT}/${db.database}`,
    });
    const error = await sink.check!().catch((e: unknown) => e);
    await sink.close();
    expect(error).toBeInstanceOf(AuthError);
    expect(String((error as Error).message)).not.toContain(password);
    expect(JSON.stringify(error)).not.toContain(password);
  });

  it("connection refused -> TransientError", async () => {
    const sink = auroraSink({
      host: "127.0.0.1",
      port: 1,
      database: "x",
      password: ["secret", "pw", "123"].join("-"),
    });
    const error = await sink.check!().catch((e: unknown) => e);
    await sink.close();
    expect(error).toBeInstanceOf(TransientError);
    expect(String((error as Error).message)).not.toContain("secret-pw-123");
  });
});
