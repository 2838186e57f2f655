import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "@sluice/core";
import { runSinkConformance } from "@sluice/core/conformance";
import initSqlJs from "sql.js";
import { afterAll, beforeAll } from "vitest";
import { auroraSink } from "./index.js";
import { createTestDatabase, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "sluice-aurora-conf-"));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const parse = (v: unknown): JsonObject => (typeof v === "string" ? JSON.parse(v) : v) as JsonObject;

runSinkConformance({
  name: "auroraSink (MariaDB)",
  async setup() {
    const table = `conf_${randomBytes(4).toString("hex")}`;
    const sink = auroraSink({ url: db.url, tables: { contacts: table }, batchRows: 100 });
    return {
      sink,
      async read() {
        try {
          const [rows] = await db.conn.query(`SELECT raw FROM \`${table}\``);
          return (rows as Array<{ raw: unknown }>).map((r) => parse(r.raw));
        } catch (e) {
          if ((e as { code?: string }).code === "ER_NO_SUCH_TABLE") return [];
          throw e;
        }
      },
      cleanup: () => sink.close(),
    };
  },
});

runSinkConformance({
  name: "auroraSink (embedded sql.js)",
  async setup() {
    const file = join(dir, `conf-${randomBytes(4).toString("hex")}.sqlite`);
    const sink = auroraSink({ embedded: { sqlite: file }, batchRows: 100 });
    const SQL = await initSqlJs();
    return {
      sink,
      // Reads the persisted file: what another process would see.
      async read() {
        if (!existsSync(file)) return [];
        const database = new SQL.Database(await readFile(file));
        try {
          const res = database.exec("SELECT raw FROM contacts");
          return (res[0]?.values ?? []).map((v) => parse(v[0]));
        } finally {
          database.close();
        }
      },
      cleanup: () => sink.close(),
    };
  },
});
