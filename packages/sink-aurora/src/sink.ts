import { createHash } from "node:crypto";
import {
  type CheckedSink,
  type Checkpoint,
  ConfigError,
  type Logger,
  type OpenOptions,
  type SinkCapabilities,
  type SinkWriter,
  SluiceError,
  type StateStore,
  type StreamDescriptor,
  silentLogger,
} from "@sluice/core";
import { type Backend, createMysqlBackend, createSqliteBackend, type Session } from "./backend.js";
import { BatchWriter } from "./batch-writer.js";
import { ContinuousWriter } from "./continuous-writer.js";
import { mapDbError } from "./db-errors.js";
import { writeCheckpoint } from "./merge.js";
import { type AuroraSinkOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type LiveTable, migrationsTableSql, type SchemaChange, syncTable } from "./schema-sync.js";
import { sweepStaging } from "./staging.js";
import { type StreamTables, streamTables, type TableDef } from "./table-def.js";
import type { LoadMethod, WriterContext } from "./writer-context.js";

export type { LoadMethod } from "./writer-context.js";

export interface AuroraSink extends CheckedSink {
  readonly capabilities: SinkCapabilities;
  /** Creates the bookkeeping tables and brings the given streams' tables up to date. Re-runnable. */
  migrate(streams?: StreamDescriptor[]): Promise<void>;
  /** Releases the connection pool (and persists the embedded database). */
  close(): Promise<void>;
  /** A StateStore backed by the `sync_state` table. */
  stateStore(): StateStore;
}

/**
 * SQL sink for MySQL / Aurora MySQL / MariaDB (or SQLite through sql.js with `embedded`).
 * A stream's tables come from its descriptor: `layout` when given, else `primaryKey` and the
 * JSON schema. See the README for modes, evolution and delivery.
 */
export function auroraSink(options: AuroraSinkOptions): AuroraSink {
  return new AuroraSinkImpl(resolveOptions(options));
}

const STATE_COLUMNS = (table: string): TableDef => ({
  table,
  key: ["state_key"],
  columns: [
    { name: "state_key", type: "string", maxLength: 255, nullable: false, key: true, get: () => null },
    { name: "checkpoint", type: "json", nullable: true, key: false, get: () => null },
    { name: "updated_at", type: "timestamp", nullable: true, key: false, get: () => null },
  ],
});

class AuroraSinkImpl implements AuroraSink {
  readonly name = "aurora";
  readonly capabilities: SinkCapabilities;
  private backendP: Promise<Backend> | undefined;
  private bootstrapped: Promise<void> | undefined;
  private loadMethodP: Promise<LoadMethod> | undefined;
  /** Live tables by definition: no information_schema read once a layout is known. */
  private readonly live = new Map<string, Promise<LiveTable>>();
  private readonly active = new Set<string>();
  private readonly logger: Logger;

  constructor(private readonly opts: ResolvedOptions) {
    this.logger = (opts.logger ?? silentLogger()).child({ component: "sink-aurora" });
    this.capabilities = {
      writeModes: ["replace", "upsert", "append"],
      continuous: true,
      maxOpenWriters: opts.poolSize,
    };
  }

  /** Where we write, for messages: never the URL or the password. */
  private get where(): string {
    const t = this.opts.target;
    return t.kind === "mysql" ? `mysql ${t.host}:${t.port}/${t.database}` : `sqlite ${t.location}`;
  }

  private get scope(): string {
    const t = this.opts.target;
    return t.kind === "mysql" ? `${t.host}:${t.port}/${t.database}` : t.location;
  }

  private backend(): Promise<Backend> {
    if (!this.backendP) {
      const p = (this.opts.target.kind === "mysql" ? createMysqlBackend : createSqliteBackend)(
        this.opts,
      ).catch((e: unknown) => {
        throw e instanceof SluiceError ? e : mapDbError(e, "connect", this.where);
      });
      this.backendP = p;
      p.catch(() => {
        if (this.backendP === p) this.backendP = undefined;
      });
    }
    return this.backendP;
  }

  /** Runs `fn` on a pooled session, mapping driver errors. */
  private async withSession<T>(action: string, fn: (s: Session, b: Backend) => Promise<T>): Promise<T> {
    const b = await this.backend();
    return b.exclusive(async () => {
      const s = await b.session().catch((e: unknown) => {
        throw mapDbError(e, action, this.where);
      });
      try {
        return await fn(s, b);
      } catch (e) {
        throw e instanceof SluiceError ? e : mapDbError(e, action, this.where);
      } finally {
        await s.release();
      }
    });
  }

  async check(_signal?: AbortSignal): Promise<void> {
    await this.withSession("check", (s) => s.query("SELECT 1"));
  }

  /** The state and migrations tables (CREATE TABLE IF NOT EXISTS; not recorded). */
  private bootstrap(): Promise<void> {
    if (!this.bootstrapped) {
      const p = this.withSession("create bookkeeping tables", async (s, b) => {
        await s.query(migrationsTableSql(b.dialect, this.opts.migrationsTable));
        const state = STATE_COLUMNS(this.opts.stateTable);
        const cols = state.columns.map((c) => ({
          name: c.name,
          type: b.dialect.typeOf(c),
          nullable: c.nullable,
        }));
        await s.query(b.dialect.createTable(state.table, cols, state.key));
        await b.persist();
      });
      this.bootstrapped = p;
      p.catch(() => {
        if (this.bootstrapped === p) this.bootstrapped = undefined;
      });
    }
    return this.bootstrapped;
  }

  async migrate(streams: StreamDescriptor[] = []): Promise<void> {
    await this.bootstrap();
    for (const d of streams) {
      const t = this.tablesOf(d);
      await this.withSession("migrate", async (s) => {
        for (const def of [t.main, ...t.children]) await this.liveTable(s, def, []);
      });
    }
  }

  private tablesOf(d: StreamDescriptor): StreamTables {
    return streamTables(d, this.opts.tables[d.name]);
  }

  /** The live table for `def`: synced once per definition and cached. */
  private liveTable(s: Session, def: TableDef, changes: SchemaChange[]): Promise<LiveTable> {
    const sig = JSON.stringify([
      def.table,
      def.key,
      def.columns.map((c) => [c.name, c.type, c.maxLength, c.timestampFormat, c.nullable]),
    ]);
    let p = this.live.get(sig);
    if (!p) {
      p = (async () => {
        const b = await this.backend();
        if (!this.opts.migrate) return this.requireTable(s, b, def);
        const lockName = `sluice_ddl_${createHash("sha1").update(this.scope).digest("hex").slice(0, 40)}`;
        const r = await syncTable(
          {
            backend: b,
            session: s,
            migrationsTable: this.opts.migrationsTable,
            lockName,
            logger: this.logger,
          },
          def,
        );
        changes.push(...r.changes);
        if (r.changes.length > 0) await b.persist();
        return r.live;
      })();
      this.live.set(sig, p);
      p.catch(() => this.live.delete(sig));
    }
    return p;
  }

  /** `migrate: false`: the table must already match; nothing is changed. */
  private async requireTable(s: Session, b: Backend, def: TableDef): Promise<LiveTable> {
    const q = b.dialect.columnsQuery(def.table);
    const have = new Map((await s.query(q.sql, q.params)).map((r) => [String(r.name).toLowerCase(), r]));
    const missing = def.columns.filter((c) => !have.has(c.name.toLowerCase())).map((c) => c.name);
    if (have.size === 0 || missing.length > 0) {
      const what =
        have.size === 0
          ? `table ${def.table} does not exist`
          : `table ${def.table} lacks ${missing.join(", ")}`;
      throw new ConfigError("auroraSink tables", [{ field: "migrate", message: `${what}: run migrate()` }]);
    }
    const columns = def.columns.map((c) => {
      const r = have.get(c.name.toLowerCase())!;
      return { def: c, phys: b.dialect.parseType(String(r.type)), nullable: r.nullable === "YES" };
    });
    return { def, columns, names: def.columns.map((c) => c.name), extra: [] };
  }

  /** insert or load-data: LOAD DATA LOCAL when the server allows it (probed once), else INSERT. */
  private loadMethod(): Promise<LoadMethod> {
    this.loadMethodP ??= this.withSession("probe load method", (s, b) =>
      detectLoadMethod(s, b, this.opts, this.logger),
    );
    return this.loadMethodP;
  }

  async open(stream: StreamDescriptor, options: OpenOptions): Promise<SinkWriter> {
    const tables = this.tablesOf(stream);
    const continuous = options.delivery === "continuous";
    checkModes(stream, tables, options, continuous);
    await this.bootstrap();
    const method: LoadMethod = continuous ? "insert" : await this.loadMethod();
    const b = await this.backend();
    const session = await b.session().catch((e: unknown) => {
      throw mapDbError(e, `open (${stream.name})`, this.where);
    });
    const changes: SchemaChange[] = [];
    try {
      const [main, ...children] = await b.exclusive(async () => {
        const lives: LiveTable[] = [];
        for (const def of [tables.main, ...tables.children])
          lives.push(await this.liveTable(session, def, changes));
        if (options.mode === "replace") await this.sweep(b, session, lives);
        return lives;
      });
      const ctx: WriterContext = {
        backend: b,
        session,
        stream: stream.name,
        main: main!,
        children: children.map((live, i) => ({ live, def: tables.children[i]! })),
        options,
        batchRows: this.opts.batchRows,
        batchBytes: this.opts.batchBytes,
        allowEmptyReplace: this.opts.allowEmptyReplace,
        stateTable: this.opts.stateTable,
        scope: this.scope,
        method,
        where: this.where,
        location: (t) => this.location(t),
        active: this.active,
        changes,
        logger: options.logger.child({ component: "sink-aurora", stream: stream.name }),
      };
      return continuous ? new ContinuousWriter(ctx) : new BatchWriter(ctx);
    } catch (e) {
      await session.release().catch(() => undefined);
      throw e instanceof SluiceError ? e : mapDbError(e, `open (${stream.name})`, this.where);
    }
  }

  private async sweep(b: Backend, s: Session, lives: LiveTable[]): Promise<void> {
    for (const live of lives) {
      await sweepStaging(live.def.table, {
        backend: b,
        session: s,
        scope: this.scope,
        staleAfterMs: this.opts.staleStagingMs,
        active: this.active,
        logger: this.logger,
      });
    }
  }

  stateStore(): StateStore {
    return {
      load: async (key) => {
        await this.bootstrap();
        return this.withSession("load state", async (s, b) => {
          const q = b.dialect.quote;
          const rows = await s.query(
            `SELECT ${q("checkpoint")} AS cp FROM ${q(this.opts.stateTable)} WHERE ${q("state_key")} = ?`,
            [key],
          );
          const cp = rows[0]?.cp;
          if (cp === undefined || cp === null) return undefined;
          return (typeof cp === "string" ? JSON.parse(cp) : cp) as Checkpoint;
        });
      },
      save: async (key, checkpoint) => {
        await this.bootstrap();
        await this.withSession("save state", async (s, b) => {
          await writeCheckpoint(s, b.dialect, this.opts.stateTable, key, checkpoint);
          await b.persist();
        });
      },
    };
  }

  /** `database.table` (MySQL) or `file#table` (SQLite). */
  private location(table: string): string {
    const t = this.opts.target;
    return t.kind === "mysql" ? `${t.database}.${table}` : `${t.location}#${table}`;
  }

  async close(): Promise<void> {
    const p = this.backendP;
    this.backendP = undefined;
    this.bootstrapped = undefined;
    this.loadMethodP = undefined;
    this.live.clear();
    if (!p) return;
    const b = await p.catch(() => undefined);
    if (!b) return;
    await b.exclusive(async () => {
      await b.persist();
      await b.close();
    });
  }
}

function checkModes(
  stream: StreamDescriptor,
  tables: StreamTables,
  options: OpenOptions,
  continuous: boolean,
) {
  if (options.mode === "upsert" && tables.main.key.length === 0) {
    throw new ConfigError("auroraSink stream", [
      { field: "primaryKey", message: `upsert needs a primary key; stream ${stream.name} has none` },
    ]);
  }
  if (continuous && options.mode === "replace") {
    throw new ConfigError("auroraSink stream", [
      { field: "mode", message: "replace is not offered with continuous delivery (use upsert or append)" },
    ]);
  }
}

async function detectLoadMethod(
  s: Session,
  b: Backend,
  o: ResolvedOptions,
  logger: Logger,
): Promise<LoadMethod> {
  if (!s.loadRows || o.loadMethod === "insert") return "insert";
  try {
    const rows = await s.query("SELECT @@GLOBAL.local_infile AS v");
    if (!(Number(rows[0]?.v ?? 0) === 1 || rows[0]?.v === "ON")) {
      logger.info({ requested: o.loadMethod ?? "auto" }, "local_infile is off: using multi-row INSERT");
      return "insert";
    }
    // The server variable is not the whole story (client flags, proxies): probe for real.
    const probe = b.dialect.quote("sluice_load_probe");
    await s.query(`CREATE TEMPORARY TABLE IF NOT EXISTS ${probe} (a INT PRIMARY KEY)`);
    try {
      await s.loadRows("sluice_load_probe", ["a"], [[1]]);
      const count = await s.query(`SELECT COUNT(*) AS n FROM ${probe}`);
      if (Number(count[0]?.n) !== 1) throw new Error("probe row not loaded");
    } finally {
      await s.query(b.dialect.dropTable("sluice_load_probe", true)).catch(() => undefined);
    }
    return "load-data";
  } catch (e) {
    logger.warn({ err: e }, "LOAD DATA LOCAL INFILE unavailable: using multi-row INSERT");
    return "insert";
  }
}
