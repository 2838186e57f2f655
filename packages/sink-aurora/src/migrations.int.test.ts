import { AuthError, TransientError } from "@sluice/core";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink, buildEntities, buildMigrations, DEFAULT_TABLES } from "./index.js";
import {
  createTestDatabase,
  MYSQL_HOST,
  MYSQL_PORT,
  MYSQL_USER,
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

describe("migrations", () => {
  it("fresh database -> migrate -> every table exists (utf8mb4_unicode_ci); again -> no-op", async () => {
    const sink = makeSink({ migrate: false });
    await expect(sink.open(stream("contacts"), openOptions("replace"))).rejects.toMatchObject({
      code: "config_invalid",
      message: expect.stringContaining("run migrate()"),
    });
    expect(await tables()).toEqual([]);
    await sink.migrate();
    expect(await tables()).toEqual([...Object.values(DEFAULT_TABLES), "sluice_migrations"].sort());
    const [collations] = await db.conn.query(
      "SELECT DISTINCT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> 'sluice_migrations'",
      [db.database],
    );
    expect(collations).toEqual([{ c: "utf8mb4_unicode_ci" }]);
    const [ran] = await db.conn.query("SELECT name FROM sluice_migrations");
    expect(ran).toEqual([{ name: "InitialSchema1732400000000" }]);

    await sink.migrate();
    await makeSink().migrate();
    expect((await db.conn.query("SELECT name FROM sluice_migrations"))[0]).toHaveLength(1);
  });

  it("custom table names get their own tables and migrations record", async () => {
    const sink = makeSink({
      tables: { contacts: "ic_users", conversations: "ic_conv", sync_state: "ic_state" },
    });
    await sink.migrate();
    const all = await tables();
    expect(all).toEqual(expect.arrayContaining(["ic_users", "ic_conv", "ic_state"]));
    const custom = all.filter((t) => t?.startsWith("sluice_migrations_"));
    expect(custom).toHaveLength(1);
    await sink.migrate();
    expect((await db.conn.query(`SELECT name FROM \`${custom[0]}\``))[0]).toHaveLength(1);
  });

  it("entities match the migrated schema, and TypeORM repositories work on it", async () => {
    const names = { ...DEFAULT_TABLES, contacts: "users_entities" };
    const ds = new DataSource({
      type: "mysql",
      connectorPackage: "mysql2",
      host: MYSQL_HOST,
      port: MYSQL_PORT,
      username: MYSQL_USER,
      database: db.database,
      charset: "utf8mb4_unicode_ci",
      timezone: "Z",
      entities: buildEntities("mysql", names),
      migrations: buildMigrations(names),
      migrationsTableName: "entities_migrations",
    });
    await ds.initialize();
    try {
      await ds.runMigrations();
      // MariaDB stores JSON as LONGTEXT and BOOLEAN as TINYINT.
      const dbType: Record<string, string[]> = { json: ["json", "longtext"], boolean: ["tinyint"] };
      for (const meta of ds.entityMetadatas) {
        const [cols] = await db.conn.query(
          "SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
          [db.database, meta.tableName],
        );
        const byName = new Map((cols as Array<Record<string, string>>).map((c) => [c.name, c]));
        expect([...byName.keys()].sort()).toEqual(meta.columns.map((c) => c.databaseName).sort());
        for (const c of meta.columns) {
          const col = byName.get(c.databaseName)!;
          expect(dbType[String(c.type)] ?? [String(c.type)]).toContain(col.type);
          expect(col.nullable === "YES").toBe(c.isNullable);
          expect(col.k === "PRI").toBe(c.isPrimary);
        }
      }
      const repo = ds.getRepository<Record<string, unknown>>("IntercomContact");
      await repo.save({ id: "e1", raw: { id: "e1" }, created_at: new Date(0) });
      expect(await repo.findOneByOrFail({ id: "e1" })).toMatchObject({ id: "e1", created_at: new Date(0) });
    } finally {
      await ds.destroy();
    }
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
