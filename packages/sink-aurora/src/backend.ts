/**
 * The two storage backends behind one small interface: MySQL/MariaDB through TypeORM's mysql2
 * pool (dedicated connection per writer, raw mysql2 on the hot path), and SQLite through
 * TypeORM's sql.js driver (one in-process database, operations serialised by a mutex).
 */
import { rename, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import "reflect-metadata";
import { DataSource } from "typeorm";
import type { ResolvedOptions } from "./options.js";
import { buildEntities, buildMigrations, type Dialect, migrationsTableName, quote } from "./schema.js";
import { type Cell, DEFAULT_TABLES } from "./tables.js";
import { encodeTsvRows } from "./tsv.js";

export type Row = Record<string, unknown>;

/** One connection's worth of operations. */
export interface Session {
  readonly dialect: Dialect;
  /** Runs a statement; SELECTs return rows, others a result header. */
  query(sql: string, params?: Cell[]): Promise<Row[]>;
  /** Multi-row `REPLACE INTO table (columns) VALUES ...` (last row wins on duplicate keys). */
  insertRows(table: string, columns: string[], rows: Cell[][]): Promise<void>;
  /** `LOAD DATA LOCAL INFILE ... REPLACE INTO TABLE` fed by a stream (MySQL only). */
  loadRows?(table: string, columns: string[], rows: Cell[][]): Promise<void>;
  release(): Promise<void>;
}

export interface Backend {
  readonly dialect: Dialect;
  readonly dataSource: DataSource;
  session(): Promise<Session>;
  /** Serialises `fn` against other writers where the backend has a single connection (sql.js). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Makes committed data durable outside the process (sql.js: export to the file). */
  persist(): Promise<void>;
  close(): Promise<void>;
}

interface MysqlResultHeader {
  affectedRows?: number;
  warningStatus?: number;
}
interface MysqlConnection {
  query(
    options: { sql: string; values?: unknown[]; infileStreamFactory?: () => Readable },
    cb: (err: Error | null, res: unknown) => void,
  ): void;
}

function mysqlQuery(
  conn: MysqlConnection,
  options: Parameters<MysqlConnection["query"]>[0],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    conn.query(options, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Fails a LOAD DATA that produced warnings: with LOCAL, the server turns errors into warnings. */
async function assertNoWarnings(
  conn: MysqlConnection,
  header: MysqlResultHeader,
  table: string,
): Promise<void> {
  if (!header.warningStatus) return;
  const warnings = (await mysqlQuery(conn, { sql: "SHOW WARNINGS LIMIT 5" })) as Array<{ Message?: string }>;
  const err = new Error(
    `LOAD DATA into ${table} produced ${header.warningStatus} warning(s): ${warnings.map((w) => w.Message).join("; ")}`,
  );
  (err as Error & { code: string }).code = "SLUICE_LOAD_WARNINGS";
  throw err;
}

export function createMysqlBackend(options: ResolvedOptions): Backend {
  const t = options.target;
  if (t.kind !== "mysql") throw new Error("not a mysql target");
  const ssl = t.ssl === true ? { rejectUnauthorized: true } : t.ssl === false ? undefined : t.ssl;
  const dataSource = new DataSource({
    type: "mysql",
    connectorPackage: "mysql2",
    host: t.host,
    port: t.port,
    username: t.user,
    password: t.password,
    database: t.database,
    // utf8mb4 end to end (emoji, 4-byte chars); DATETIMEs are UTC.
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
    poolSize: options.poolSize,
    connectTimeout: options.connectTimeoutMs,
    ...(ssl === undefined ? {} : { ssl }),
    supportBigNumbers: true,
    bigNumberStrings: true,
    entities: buildEntities("mysql", options.tables),
    migrations: buildMigrations(options.tables),
    migrationsTableName: migrationsTableName(options.tables, DEFAULT_TABLES),
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
  const q = (n: string) => quote("mysql", n);

  return {
    dialect: "mysql",
    dataSource,
    async session() {
      const runner = dataSource.createQueryRunner("master");
      const conn = (await runner.connect()) as MysqlConnection;
      return {
        dialect: "mysql",
        async query(sql, params) {
          return (await mysqlQuery(conn, { sql, values: params ?? [] })) as Row[];
        },
        async insertRows(table, columns, rows) {
          if (rows.length === 0) return;
          const tuple = `(${columns.map(() => "?").join(",")})`;
          const sql = `REPLACE INTO ${q(table)} (${columns.map(q).join(",")}) VALUES ${rows.map(() => tuple).join(",")}`;
          await mysqlQuery(conn, { sql, values: rows.flat() });
        },
        async loadRows(table, columns, rows) {
          if (rows.length === 0) return;
          const sql =
            `LOAD DATA LOCAL INFILE 'sluice.tsv' REPLACE INTO TABLE ${q(table)} CHARACTER SET utf8mb4 ` +
            `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map(q).join(",")})`;
          const header = (await mysqlQuery(conn, {
            sql,
            infileStreamFactory: () => Readable.from(encodeTsvRows(rows), { objectMode: false }),
          })) as MysqlResultHeader;
          await assertNoWarnings(conn, header, table);
        },
        async release() {
          await runner.release();
        },
      };
    },
    exclusive: (fn) => fn(),
    async persist() {},
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

interface SqlJsStatement {
  bind(values: unknown[]): boolean;
  step(): boolean;
  getAsObject(): Row;
  run(values: unknown[]): void;
  free(): void;
}
interface SqlJsDatabase {
  run(sql: string, params?: unknown[]): void;
  prepare(sql: string): SqlJsStatement;
  export(): Uint8Array;
}

export function createSqliteBackend(options: ResolvedOptions): Backend {
  const t = options.target;
  if (t.kind !== "sqlite") throw new Error("not a sqlite target");
  const file = t.location === ":memory:" ? undefined : t.location;
  const dataSource = new DataSource({
    type: "sqljs",
    ...(file ? { location: file } : {}),
    autoSave: false,
    entities: buildEntities("sqlite", options.tables),
    migrations: buildMigrations(options.tables),
    migrationsTableName: migrationsTableName(options.tables, DEFAULT_TABLES),
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
  const q = (n: string) => quote("sqlite", n);
  const db = () => (dataSource.driver as unknown as { databaseConnection: SqlJsDatabase }).databaseConnection;
  let chain: Promise<unknown> = Promise.resolve();
  let persistChain: Promise<unknown> = Promise.resolve();

  const session: Session = {
    dialect: "sqlite",
    async query(sql, params) {
      const stmt = db().prepare(sql);
      try {
        stmt.bind(params ?? []);
        const rows: Row[] = [];
        while (stmt.step()) rows.push(stmt.getAsObject());
        return rows;
      } finally {
        stmt.free();
      }
    },
    async insertRows(table, columns, rows) {
      if (rows.length === 0) return;
      const stmt = db().prepare(
        `INSERT OR REPLACE INTO ${q(table)} (${columns.map(q).join(",")}) VALUES (${columns.map(() => "?").join(",")})`,
      );
      try {
        for (const row of rows) stmt.run(row);
      } finally {
        stmt.free();
      }
    },
    async release() {},
  };

  return {
    dialect: "sqlite",
    dataSource,
    async session() {
      return session;
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const next = chain.then(fn);
      chain = next.catch(() => undefined);
      return next;
    },
    persist() {
      if (!file) return Promise.resolve();
      const next = persistChain.then(async () => {
        const data = db().export();
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, data);
        await rename(tmp, file);
      });
      persistChain = next.catch(() => undefined);
      return next;
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
