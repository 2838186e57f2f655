/**
 * The two storage backends behind one small interface: MySQL/MariaDB through TypeORM's mysql2
 * pool (a dedicated connection per writer, raw mysql2 on the hot path), and SQLite through
 * TypeORM's sql.js driver (one in-process database, operations serialised). sql.js is an
 * optional peer dependency, imported only when `embedded` is asked for.
 */
import { rename, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { ConfigError } from "@sluice/core";
import { DataSource } from "typeorm";
import { type Cell, rowBytes } from "./cells.js";
import { mysqlDialect, type SqlDialect, sqliteDialect } from "./dialect/index.js";
import type { ResolvedOptions } from "./options.js";
import { encodeTsvRows } from "./tsv.js";

export type Row = Record<string, unknown>;

/** One connection's worth of operations. */
export interface Session {
  /** Runs a statement; SELECTs return rows, others a result header. */
  query(sql: string, params?: Cell[]): Promise<Row[]>;
  /**
   * `${head} VALUES (…), (…)${suffix}` for every row, in statements kept under the server's
   * packet limit. Returns the rows sent.
   */
  insertRows(head: string, suffix: string, rows: Cell[][]): Promise<void>;
  /** `LOAD DATA LOCAL INFILE ... REPLACE INTO TABLE` fed by a stream (MySQL only). */
  loadRows?(table: string, columns: string[], rows: Cell[][]): Promise<void>;
  release(): Promise<void>;
}

export interface Backend {
  readonly dialect: SqlDialect;
  /** One connection shared by every writer (sql.js): a transaction must not span `exclusive` calls. */
  readonly sharedConnection: boolean;
  /** The server's `max_allowed_packet` in bytes (Infinity-like for SQLite). */
  readonly maxPacketBytes: number;
  session(): Promise<Session>;
  /** Serialises `fn` against other writers where the backend has a single connection (sql.js). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Makes committed data durable outside the process (sql.js: export to the file). */
  persist(): Promise<void>;
  close(): Promise<void>;
}

interface MysqlResultHeader {
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

/** Splits rows into statements of at most `maxBytes` (one row per statement at worst). */
function* chunks(rows: Cell[][], maxBytes: number): Generator<Cell[][]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const n = rowBytes(rows[i]!);
    if (i > start && bytes + n > maxBytes) {
      yield rows.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += n;
  }
  if (start < rows.length) yield start === 0 ? rows : rows.slice(start);
}

function mysqlDataSource(options: ResolvedOptions): DataSource {
  const t = options.target;
  if (t.kind !== "mysql") throw new Error("not a mysql target");
  const ssl = t.ssl === true ? { rejectUnauthorized: true } : t.ssl === false ? undefined : t.ssl;
  return new DataSource({
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
    synchronize: false,
    logging: false,
  });
}

export async function createMysqlBackend(options: ResolvedOptions): Promise<Backend> {
  const dataSource = mysqlDataSource(options);
  await dataSource.initialize();
  const q = mysqlDialect.quote;
  const packet = (await dataSource.query("SELECT @@max_allowed_packet AS p")) as Array<{ p: unknown }>;
  const maxPacketBytes = Number(packet[0]?.p ?? 4 * 1024 * 1024);
  // Statements stay well under the packet limit; a single row may use up to the whole of it.
  const statementBytes = Math.min(options.batchBytes, Math.floor(maxPacketBytes * 0.75));
  return {
    dialect: mysqlDialect,
    sharedConnection: false,
    maxPacketBytes,
    async session() {
      const runner = dataSource.createQueryRunner("master");
      const conn = (await runner.connect()) as MysqlConnection;
      return {
        async query(sql, params) {
          return (await mysqlQuery(conn, { sql, values: params ?? [] })) as Row[];
        },
        async insertRows(head, suffix, rows) {
          for (const part of chunks(rows, statementBytes)) {
            const tuple = `(${part[0]!.map(() => "?").join(",")})`;
            const sql = `${head} VALUES ${part.map(() => tuple).join(",")}${suffix}`;
            await mysqlQuery(conn, { sql, values: part.flat() });
          }
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
  prepare(sql: string): SqlJsStatement;
  export(): Uint8Array;
}

/** sql.js, loaded on demand: an optional peer dependency only the embedded option needs. */
async function loadSqlJs(): Promise<unknown> {
  try {
    const mod = (await import("sql.js")) as { default?: unknown };
    return mod.default ?? mod;
  } catch (e) {
    throw new ConfigError(
      "auroraSink embedded",
      [{ field: "embedded", message: "needs the optional peer dependency sql.js (npm install sql.js)" }],
      { cause: e },
    );
  }
}

export async function createSqliteBackend(options: ResolvedOptions): Promise<Backend> {
  const t = options.target;
  if (t.kind !== "sqlite") throw new Error("not a sqlite target");
  const file = t.location === ":memory:" ? undefined : t.location;
  const dataSource = new DataSource({
    type: "sqljs",
    driver: await loadSqlJs(),
    ...(file ? { location: file } : {}),
    autoSave: false,
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  const db = () => (dataSource.driver as unknown as { databaseConnection: SqlJsDatabase }).databaseConnection;
  let chain: Promise<unknown> = Promise.resolve();
  let persistChain: Promise<unknown> = Promise.resolve();

  const session: Session = {
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
    async insertRows(head, suffix, rows) {
      if (rows.length === 0) return;
      const stmt = db().prepare(`${head} VALUES (${rows[0]!.map(() => "?").join(",")})${suffix}`);
      try {
        for (const row of rows) stmt.run(row);
      } finally {
        stmt.free();
      }
    },
    async release() {},
  };

  return {
    dialect: sqliteDialect,
    sharedConnection: true,
    maxPacketBytes: 1_000_000_000,
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
