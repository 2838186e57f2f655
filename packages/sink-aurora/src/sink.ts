import { createHash } from "node:crypto";
import {
  type Checkpoint,
  type CommitContext,
  type CommitReport,
  ConfigError,
  DataError,
  type JsonObject,
  type Logger,
  type OpenOptions,
  type Sink,
  SinkError,
  SluiceError,
  type StateStore,
  type StreamDescriptor,
  silentLogger,
  type WriteMode,
} from "@sluice/core";
import { type Backend, createMysqlBackend, createSqliteBackend, type Session } from "./backend.js";
import { errorCode, mapDbError } from "./db-errors.js";
import { type AuroraSinkOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createTableSql, quote } from "./schema.js";
import {
  type Cell,
  FieldError,
  type IntercomStream,
  inlineParts,
  isObject,
  recordId,
  STREAMS,
  TABLE_SPECS,
  type TableSpec,
  toDatetime,
  toRow,
} from "./tables.js";

export type LoadMethod = "insert" | "load-data";

export interface AuroraSink extends Sink {
  /** Runs pending migrations (creates the tables). Safe to call repeatedly. */
  migrate(): Promise<void>;
  /** Releases the connection pool (and persists the embedded database). */
  close(): Promise<void>;
  /** A StateStore backed by the `sync_state` table. */
  stateStore(): StateStore;
}

/**
 * Aurora MySQL / MariaDB sink (or SQLite through sql.js with `embedded`). Every Intercom stream
 * has a table; records are bulk-loaded into a staging table and made visible at commit: by one
 * RENAME TABLE swap (replace), or one transaction (append, upsert; the checkpoint is written to
 * `sync_state` in that same transaction).
 */
export function auroraSink(options: AuroraSinkOptions): AuroraSink {
  return new AuroraSinkImpl(resolveOptions(options));
}

class AuroraSinkImpl implements AuroraSink {
  readonly name = "aurora";
  get capabilities() {
    return {
      writeModes: ["replace", "upsert", "append"] as WriteMode[],
      ...(this.opts.target.kind === "mysql" ? { maxOpenWriters: this.opts.poolSize } : {}),
    };
  }
  private backendP: Promise<Backend> | undefined;
  private migrated: Promise<void> | undefined;
  private loadMethodP: Promise<LoadMethod> | undefined;
  private readonly logger: Logger;

  constructor(private readonly opts: ResolvedOptions) {
    this.logger = (opts.logger ?? silentLogger()).child({ component: "sink-aurora" });
  }

  /** Where we write, for messages: never the URL or the password. */
  get where(): string {
    const t = this.opts.target;
    return t.kind === "mysql" ? `mysql ${t.host}:${t.port}/${t.database}` : `sqlite ${t.location}`;
  }

  backend(): Promise<Backend> {
    if (!this.backendP) {
      const p = (async () => {
        const b =
          this.opts.target.kind === "mysql" ? createMysqlBackend(this.opts) : createSqliteBackend(this.opts);
        try {
          await b.dataSource.initialize();
        } catch (e) {
          throw mapDbError(e, "connect", this.where);
        }
        return b;
      })();
      this.backendP = p;
      p.catch(() => {
        if (this.backendP === p) this.backendP = undefined;
      });
    }
    return this.backendP;
  }

  async check(_signal?: AbortSignal): Promise<void> {
    const b = await this.backend();
    await b.exclusive(async () => {
      let s: Session | undefined;
      try {
        s = await b.session();
        await s.query("SELECT 1");
      } catch (e) {
        throw e instanceof SluiceError ? e : mapDbError(e, "check", this.where);
      } finally {
        await s?.release();
      }
    });
  }

  migrate(): Promise<void> {
    const p = this.runMigrations();
    this.migrated = p;
    p.catch(() => {
      if (this.migrated === p) this.migrated = undefined;
    });
    return p;
  }

  private ensureMigrated(): Promise<void> {
    if (!this.opts.migrate) return Promise.resolve();
    return this.migrated ?? this.migrate();
  }

  private async runMigrations(): Promise<void> {
    const b = await this.backend();
    await b.exclusive(async () => {
      // Serialise migrations across processes (MySQL named lock; sql.js is in-process).
      const s = b.dialect === "mysql" ? await b.session() : undefined;
      try {
        if (s) await s.query("SELECT GET_LOCK('sluice_sink_aurora_migrations', 60)");
        const ran = await b.dataSource.runMigrations({ transaction: "each" });
        if (ran.length > 0) this.logger.info({ migrations: ran.map((m) => m.name) }, "migrations applied");
        if (ran.length > 0) await b.persist();
      } catch (e) {
        throw e instanceof SluiceError ? e : mapDbError(e, "migrate", this.where);
      } finally {
        if (s) {
          await s.query("SELECT RELEASE_LOCK('sluice_sink_aurora_migrations')").catch(() => undefined);
          await s.release();
        }
      }
    });
  }

  /** insert or load-data: LOAD DATA LOCAL when the server allows it (probed once), else INSERT. */
  loadMethod(): Promise<LoadMethod> {
    this.loadMethodP ??= this.detectLoadMethod();
    return this.loadMethodP;
  }

  private async detectLoadMethod(): Promise<LoadMethod> {
    const b = await this.backend();
    if (b.dialect !== "mysql" || this.opts.loadMethod === "insert") return "insert";
    const s = await b.session();
    try {
      const rows = await s.query("SELECT @@GLOBAL.local_infile AS v");
      const enabled = Number(rows[0]?.v ?? 0) === 1 || rows[0]?.v === "ON";
      if (!enabled) {
        this.logger.info(
          { requested: this.opts.loadMethod ?? "auto" },
          "local_infile is off: using multi-row INSERT",
        );
        return "insert";
      }
      // The server variable is not the whole story (client flags, proxies): probe for real.
      const probe = "sluice_load_probe";
      await s.query(`CREATE TEMPORARY TABLE IF NOT EXISTS ${quote("mysql", probe)} (a INT PRIMARY KEY)`);
      try {
        await s.loadRows?.(probe, ["a"], [[1]]);
        const count = await s.query(`SELECT COUNT(*) AS n FROM ${quote("mysql", probe)}`);
        if (Number(count[0]?.n) !== 1) throw new Error("probe row not loaded");
      } finally {
        await s.query(`DROP TEMPORARY TABLE IF EXISTS ${quote("mysql", probe)}`).catch(() => undefined);
      }
      return "load-data";
    } catch (e) {
      this.logger.warn({ err: e }, "LOAD DATA LOCAL INFILE unavailable: using multi-row INSERT");
      return "insert";
    } finally {
      await s.release();
    }
  }

  async open(stream: StreamDescriptor, options: OpenOptions): Promise<AuroraWriter> {
    if (!(STREAMS as readonly string[]).includes(stream.name)) {
      throw new ConfigError("auroraSink stream", [
        {
          field: "stream",
          message: `no table for stream "${stream.name}"; supported streams: ${STREAMS.join(", ")}`,
        },
      ]);
    }
    await this.ensureMigrated();
    const backend = await this.backend();
    const method = await this.loadMethod();
    const writer = new AuroraWriter(this, backend, stream.name as IntercomStream, options, method);
    await writer.start();
    return writer;
  }

  stateStore(): StateStore {
    const run = async <T>(fn: (s: Session, b: Backend) => Promise<T>, action: string): Promise<T> => {
      await this.ensureMigrated();
      const b = await this.backend();
      return b.exclusive(async () => {
        const s = await b.session();
        try {
          return await fn(s, b);
        } catch (e) {
          throw e instanceof SluiceError ? e : mapDbError(e, action, this.where);
        } finally {
          await s.release();
        }
      });
    };
    return {
      load: (key) =>
        run(async (s, b) => {
          const q = (n: string) => quote(b.dialect, n);
          const rows = await s.query(
            `SELECT ${q("checkpoint")} AS cp FROM ${q(this.opts.tables.sync_state)} WHERE ${q("state_key")} = ?`,
            [key],
          );
          const cp = rows[0]?.cp;
          if (cp === undefined || cp === null) return undefined;
          return (typeof cp === "string" ? JSON.parse(cp) : cp) as Checkpoint;
        }, "load state"),
      save: (key, checkpoint) =>
        run(async (s, b) => {
          await s.query(this.stateUpsertSql(b.dialect), this.stateParams(key, checkpoint));
          await b.persist();
        }, "save state"),
    };
  }

  stateUpsertSql(dialect: "mysql" | "sqlite"): string {
    const q = (n: string) => quote(dialect, n);
    const head = `INSERT INTO ${q(this.opts.tables.sync_state)} (${q("state_key")}, ${q("checkpoint")}, ${q("updated_at")}) VALUES (?, ?, ?)`;
    return dialect === "mysql"
      ? `${head} ON DUPLICATE KEY UPDATE ${q("checkpoint")} = VALUES(${q("checkpoint")}), ${q("updated_at")} = VALUES(${q("updated_at")})`
      : `${head} ON CONFLICT (${q("state_key")}) DO UPDATE SET ${q("checkpoint")} = excluded.${q("checkpoint")}, ${q("updated_at")} = excluded.${q("updated_at")}`;
  }

  stateParams(key: string, checkpoint: Checkpoint): Cell[] {
    return [key, JSON.stringify(checkpoint), toDatetime(Date.now() / 1000)];
  }

  /** `database.table` (MySQL) or `file#table` (SQLite). */
  location(table: string): string {
    const t = this.opts.target;
    return t.kind === "mysql" ? `${t.database}.${table}` : `${t.location}#${table}`;
  }

  get options(): ResolvedOptions {
    return this.opts;
  }

  async close(): Promise<void> {
    const p = this.backendP;
    this.backendP = undefined;
    this.migrated = undefined;
    this.loadMethodP = undefined;
    if (!p) return;
    const b = await p.catch(() => undefined);
    if (!b) return;
    await b.exclusive(async () => {
      await b.persist();
      await b.close();
    });
  }
}

interface Target {
  spec: TableSpec;
  table: string;
  staging: string;
  old: string;
  columns: string[];
  rows: Cell[][];
  bytes: number;
  loaded: number;
}

function rowBytes(row: Cell[]): number {
  let n = 0;
  for (const c of row) n += c === null ? 2 : typeof c === "number" ? 8 : c.length + 1;
  return n;
}

/** One stream's staged load; see AuroraSink for the commit semantics of each mode. */
class AuroraWriter {
  private session: Session | undefined;
  private readonly targets: Target[];
  private readonly dialect: "mysql" | "sqlite";
  private readonly mode: WriteMode;
  private readonly logger: Logger;
  private records = 0;
  private bytes = 0;
  private sawParts = false;
  private inflight: Promise<void> | undefined;
  private state: "open" | "committed" | "aborted" = "open";

  constructor(
    private readonly sink: AuroraSinkImpl,
    private readonly backend: Backend,
    private readonly stream: IntercomStream,
    private readonly options: OpenOptions,
    private readonly method: LoadMethod,
  ) {
    this.dialect = backend.dialect;
    this.mode = options.mode;
    this.logger = options.logger.child({ component: "sink-aurora", stream });
    const tables = sink.options.tables;
    const short = createHash("sha1").update(`${options.runId}:${stream}`).digest("hex").slice(0, 8);
    const target = (spec: TableSpec): Target => {
      const table = tables[spec.key];
      return {
        spec,
        table,
        staging: `${table}__stg_${short}`,
        old: `${table}__old_${short}`,
        columns: spec.columns.map((c) => c.name),
        rows: [],
        bytes: 0,
        loaded: 0,
      };
    };
    this.targets = [target(TABLE_SPECS[stream])];
    if (stream === "conversations") this.targets.push(target(TABLE_SPECS.conversation_parts));
  }

  private q = (n: string) => quote(this.dialect, n);
  /** MySQL append/upsert stage in TEMPORARY tables (gone with the connection after a crash). */
  private get temporary(): boolean {
    return this.dialect === "mysql" && this.mode !== "replace";
  }

  private fail(e: unknown, action: string): SluiceError {
    return e instanceof SluiceError ? e : mapDbError(e, `${action} (${this.stream})`, this.sink.where);
  }

  async start(): Promise<void> {
    await this.backend.exclusive(async () => {
      try {
        this.session = await this.backend.session();
        for (const t of this.targets) await this.createStaging(t);
      } catch (e) {
        await this.cleanup();
        if (errorCode(e) === "ER_NO_SUCH_TABLE") {
          throw new ConfigError("auroraSink tables", [
            { field: "tables", message: `table ${this.targets[0]!.table} does not exist: run migrate()` },
          ]);
        }
        throw this.fail(e, "open");
      }
    });
  }

  private async createStaging(t: Target): Promise<void> {
    const s = this.session!;
    if (this.dialect === "mysql") {
      const tmp = this.temporary ? "TEMPORARY " : "";
      await s.query(`DROP ${tmp}TABLE IF EXISTS ${this.q(t.staging)}`);
      await s.query(`CREATE ${tmp}TABLE ${this.q(t.staging)} LIKE ${this.q(t.table)}`);
    } else {
      const exists = await s.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [
        t.table,
      ]);
      if (exists.length === 0)
        throw Object.assign(new Error(`no such table ${t.table}`), { code: "ER_NO_SUCH_TABLE" });
      await s.query(`DROP TABLE IF EXISTS ${this.q(t.staging)}`);
      await s.query(createTableSql("sqlite", t.spec, t.staging, false));
    }
  }

  async write(records: JsonObject[]): Promise<void> {
    if (this.state !== "open") throw new SinkError(`writer for ${this.stream} is ${this.state}`);
    this.options.signal.throwIfAborted();
    const [main, parts] = this.targets as [Target, Target | undefined];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as unknown;
      const position = this.records + i;
      if (!isObject(record)) {
        throw new DataError(`${this.stream} record is not an object`, { stream: this.stream, position });
      }
      this.push(main, main.spec, record, undefined, position);
      if (parts) {
        const list = inlineParts(record);
        if (list !== undefined) {
          this.sawParts = true;
          for (const part of list) {
            if (!isObject(part)) {
              throw new DataError(`conversation part is not an object`, {
                stream: this.stream,
                position,
                recordId: recordId(record),
              });
            }
            this.push(parts, parts.spec, part, record, position);
          }
        }
      }
    }
    this.records += records.length;
    if (
      this.targets.some(
        (t) => t.rows.length >= this.sink.options.batchRows || t.bytes >= this.sink.options.batchBytes,
      )
    ) {
      await this.flush();
    }
  }

  private push(
    t: Target,
    spec: TableSpec,
    record: JsonObject,
    parent: JsonObject | undefined,
    position: number,
  ): void {
    let row: Cell[];
    try {
      row = toRow(spec, record, parent);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const what = parent ? `conversation part ${recordId(record) ?? "?"} of ` : "";
      throw new DataError(
        `cannot store ${what}${this.stream} record: ${e.message}`,
        { stream: this.stream, position, recordId: recordId(parent ?? record), field: e.field },
        { cause: e },
      );
    }
    t.rows.push(row);
    const n = rowBytes(row);
    t.bytes += n;
    this.bytes += n;
  }

  /**
   * Hands the buffered rows to the database. One batch may be in flight while the next is being
   * converted (JS conversion overlaps the server's load); `write()` awaits the previous batch
   * before starting another, so memory stays bounded at two batches.
   */
  private async flush(): Promise<void> {
    await this.drain();
    if (!this.targets.some((t) => t.rows.length > 0)) return;
    const batch = this.targets.map((t) => {
      const rows = t.rows;
      t.rows = [];
      t.bytes = 0;
      return { t, rows };
    });
    const p = this.backend.exclusive(async () => {
      const s = this.session;
      if (!s) throw new SinkError(`writer for ${this.stream} is ${this.state}`);
      try {
        if (this.dialect === "sqlite") await s.query("BEGIN");
        for (const { t, rows } of batch) {
          if (rows.length === 0) continue;
          if (this.method === "load-data" && s.loadRows) await s.loadRows(t.staging, t.columns, rows);
          else await s.insertRows(t.staging, t.columns, rows);
          t.loaded += rows.length;
        }
        if (this.dialect === "sqlite") await s.query("COMMIT");
      } catch (e) {
        if (this.dialect === "sqlite") await s.query("ROLLBACK").catch(() => undefined);
        throw this.fail(e, "stage");
      }
    });
    p.catch(() => undefined); // surfaced by the next drain()
    this.inflight = p;
  }

  /** Waits for the batch in flight; rethrows its failure. */
  private async drain(): Promise<void> {
    const p = this.inflight;
    if (!p) return;
    try {
      await p;
    } finally {
      if (this.inflight === p) this.inflight = undefined;
    }
  }

  /** Targets made visible at commit: conversation parts only when conversations carried them. */
  private get committedTargets(): Target[] {
    return this.targets.filter((_t, i) => i === 0 || this.sawParts);
  }

  async commit(ctx: CommitContext): Promise<CommitReport> {
    if (this.state !== "open") throw new SinkError(`writer for ${this.stream} is ${this.state}`);
    this.options.signal.throwIfAborted();
    await this.flush();
    await this.drain();
    const s = this.session!;
    const targets = this.committedTargets;
    let checkpointPersisted = false;
    await this.backend.exclusive(async () => {
      let inTx = false;
      try {
        if (this.mode === "replace" && this.dialect === "mysql") {
          // One RENAME: readers see the old table or the new one, never an empty or partial one.
          for (const t of targets) await s.query(`DROP TABLE IF EXISTS ${this.q(t.old)}`);
          const pairs = targets.flatMap((t) => [
            `${this.q(t.table)} TO ${this.q(t.old)}`,
            `${this.q(t.staging)} TO ${this.q(t.table)}`,
          ]);
          await s.query(`RENAME TABLE ${pairs.join(", ")}`);
          this.state = "committed";
          // RENAME commits implicitly: the checkpoint cannot share its transaction.
          if (ctx.checkpoint !== undefined) {
            await s.query(
              this.sink.stateUpsertSql("mysql"),
              this.sink.stateParams(ctx.stateKey, ctx.checkpoint),
            );
          }
        } else {
          await s.query(this.dialect === "mysql" ? "START TRANSACTION" : "BEGIN");
          inTx = true;
          for (const t of targets) {
            if (this.mode === "replace") {
              await s.query(`ALTER TABLE ${this.q(t.table)} RENAME TO ${this.q(t.old)}`);
              await s.query(`ALTER TABLE ${this.q(t.staging)} RENAME TO ${this.q(t.table)}`);
              await s.query(`DROP TABLE ${this.q(t.old)}`);
            } else {
              await s.query(this.mergeSql(t));
            }
          }
          if (ctx.checkpoint !== undefined) {
            await s.query(
              this.sink.stateUpsertSql(this.dialect),
              this.sink.stateParams(ctx.stateKey, ctx.checkpoint),
            );
            checkpointPersisted = true;
          }
          await s.query("COMMIT");
          inTx = false;
          this.state = "committed";
        }
        await this.backend.persist();
      } catch (e) {
        if (inTx) await s.query("ROLLBACK").catch(() => undefined);
        checkpointPersisted = false;
        if (this.state === "committed") {
          // Data is visible; only the bookkeeping after it failed.
          this.logger.warn({ err: e }, "post-commit step failed");
        } else {
          if (errorCode(e) === "ER_DUP_ENTRY") {
            throw new DataError(
              `duplicate primary key while appending to ${targets.map((t) => t.table).join(", ")}: use upsert mode`,
              { stream: this.stream },
              { cause: e },
            );
          }
          throw this.fail(e, "commit");
        }
      }
    });
    await this.backend.exclusive(() => this.cleanup());
    const [main, parts] = this.targets as [Target, Target | undefined];
    this.logger.debug({ records: this.records, table: main.table, mode: this.mode }, "committed");
    return {
      records: this.records,
      bytes: this.bytes,
      location: targets.map((t) => this.sink.location(t.table)).join(","),
      checkpointPersisted,
      details: {
        mode: this.mode,
        loadMethod: this.method,
        table: main.table,
        rows: main.loaded,
        ...(parts ? { partsTable: parts.table, parts: this.sawParts ? parts.loaded : 0 } : {}),
      },
    };
  }

  private mergeSql(t: Target): string {
    const cols = t.columns.map(this.q).join(", ");
    const insert = `INSERT INTO ${this.q(t.table)} (${cols}) SELECT ${cols} FROM ${this.q(t.staging)}`;
    if (this.mode === "append") return insert;
    const updates = t.columns.filter((c) => !t.spec.primaryKey.includes(c)).map(this.q);
    // VALUES() works on MySQL 8 (deprecated since 8.0.20, still supported) and on MariaDB; the
    // MySQL-only row alias (`AS new`) would break MariaDB.
    return this.dialect === "mysql"
      ? `${insert} ON DUPLICATE KEY UPDATE ${updates.map((c) => `${c} = VALUES(${c})`).join(", ")}`
      : `${insert} WHERE true ON CONFLICT (${t.spec.primaryKey.map(this.q).join(", ")}) DO UPDATE SET ${updates
          .map((c) => `${c} = excluded.${c}`)
          .join(", ")}`;
  }

  async abort(reason: unknown): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.logger.debug({ reason: reason instanceof Error ? reason.message : String(reason) }, "aborting");
    await this.drain().catch(() => undefined);
    await this.backend.exclusive(() => this.cleanup());
  }

  /** Drops staging (and leftover old) tables and releases the connection. Never throws. */
  private async cleanup(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    try {
      const tmp = this.temporary ? "TEMPORARY " : "";
      for (const t of this.targets) {
        for (const name of this.temporary ? [t.staging] : [t.staging, t.old]) {
          await s.query(`DROP ${tmp}TABLE IF EXISTS ${this.q(name)}`).catch((e: unknown) => {
            this.logger.warn({ err: e, table: name }, "could not drop staging table");
          });
        }
      }
    } finally {
      await s.release().catch(() => undefined);
    }
  }
}

export type { AuroraWriter };
