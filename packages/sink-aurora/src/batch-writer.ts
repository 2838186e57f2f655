/**
 * Batch delivery: one write…commit. Records are staged (loaded batch by batch, one batch in
 * flight while the next is converted), then made visible at commit by the swap (replace) or the
 * merge (append, upsert: one transaction with the checkpoint).
 */
import {
  type CommitContext,
  type CommitReport,
  DataError,
  type JsonObject,
  type SinkWriter,
} from "@sluice/core";
import { merge, writeCheckpoint } from "./merge.js";
import type { RowCollector } from "./rows.js";
import { Staging, stagingNames } from "./staging.js";
import { hasRows, swap } from "./swap.js";
import { closedError, collectorFor, failure, report, type WriterContext } from "./writer-context.js";

export class BatchWriter implements SinkWriter {
  private readonly rows: RowCollector;
  private readonly staging: Staging[];
  private inflight: Promise<void> | undefined;
  private state: "open" | "committed" | "aborted" = "open";

  constructor(private readonly ctx: WriterContext) {
    this.rows = collectorFor(ctx);
    const temporary = ctx.options.mode !== "replace" && ctx.backend.dialect.temporaryStaging;
    const { runId, runStartedAt } = ctx.options;
    this.staging = this.rows.tables.map((t) => {
      const names = stagingNames(t.live.def.table, `${runId}:${ctx.stream}`, runStartedAt, ctx.scope);
      ctx.active.add(names.staging);
      return new Staging(t, names, temporary);
    });
  }

  private get mode() {
    return this.ctx.options.mode;
  }

  async write(records: JsonObject[]): Promise<void> {
    if (this.state !== "open") throw closedError(this.ctx, this.state);
    this.ctx.options.signal.throwIfAborted();
    this.rows.add(records, this.rows.records);
    if (this.rows.full(this.ctx.batchRows, this.ctx.batchBytes)) await this.flush();
  }

  /** Hands the buffered rows to the database; waits for the previous batch first. */
  private async flush(): Promise<void> {
    await this.drain();
    const batch = this.rows.drainRows();
    if (batch.every((b) => b.rows.length === 0)) return;
    const { backend, session: s } = this.ctx;
    const p = backend.exclusive(async () => {
      const sqliteTx = backend.dialect.ddlInTransaction;
      try {
        for (const st of this.staging) await st.create(backend, s);
        if (sqliteTx) await s.query(backend.dialect.begin());
        for (const [i, { rows }] of batch.entries())
          await this.staging[i]!.load(backend, s, rows, this.ctx.method);
        if (sqliteTx) await s.query("COMMIT");
      } catch (e) {
        if (sqliteTx) await s.query("ROLLBACK").catch(() => undefined);
        throw failure(this.ctx, e, "stage", this.mode);
      }
    });
    p.catch(() => undefined); // surfaced by the next drain()
    this.inflight = p;
  }

  private async drain(): Promise<void> {
    const p = this.inflight;
    if (!p) return;
    try {
      await p;
    } finally {
      if (this.inflight === p) this.inflight = undefined;
    }
  }

  /** Staged tables made visible at commit: the parent, and children some record carried. */
  private get committed(): Staging[] {
    return this.staging.filter((st) => !st.buffer.child || st.buffer.seen);
  }

  async commit(ctx: CommitContext): Promise<CommitReport> {
    if (this.state !== "open") throw closedError(this.ctx, this.state);
    this.ctx.options.signal.throwIfAborted();
    await this.flush();
    await this.drain();
    const { backend, session: s } = this.ctx;
    let result: { rows: number; checkpointPersisted: boolean } | undefined;
    await backend.exclusive(async () => {
      try {
        for (const st of this.committed) await st.create(backend, s);
        const rows = await this.staging[0]!.count(backend, s);
        const persisted = this.mode === "replace" ? await this.swapIn(ctx) : await this.mergeIn(ctx);
        result = { rows, checkpointPersisted: persisted };
        await backend.persist();
      } catch (e) {
        if (this.state !== "committed") throw failure(this.ctx, e, "commit", this.mode);
        // Data is visible; only the bookkeeping after it failed.
        this.ctx.logger.warn({ err: e }, "post-commit step failed");
        result ??= { rows: this.rows.main.produced, checkpointPersisted: false };
      }
    });
    await backend.exclusive(() => this.cleanup());
    this.ctx.logger.debug({ records: this.rows.records, mode: this.mode }, "committed");
    return report(this.ctx, this.rows, result!.rows, {
      checkpointPersisted: result!.checkpointPersisted,
      tables: this.committed.map((st) => st.table),
    });
  }

  private async swapIn(ctx: CommitContext): Promise<boolean> {
    const { backend, session: s } = this.ctx;
    const table = this.ctx.main.def.table;
    if (this.rows.main.produced === 0 && !this.ctx.allowEmptyReplace && (await hasRows(backend, s, table))) {
      throw new DataError(
        `replace with no records would empty table ${table}; nothing was changed (allow it with the sink option allowEmptyReplace)`,
        { stream: this.ctx.stream },
      );
    }
    const state = { table: this.ctx.stateTable, key: ctx.stateKey, checkpoint: ctx.checkpoint };
    const r = await swap(backend, s, this.committed, state, () => {
      this.state = "committed";
    });
    return r.checkpointPersisted;
  }

  private async mergeIn(ctx: CommitContext): Promise<boolean> {
    const { backend, session: s } = this.ctx;
    const d = backend.dialect;
    const stagingOf = new Map(this.staging.map((st) => [st.buffer, st.names.staging]));
    await s.query(d.begin());
    try {
      await merge(
        s,
        d,
        {
          main: this.rows.main,
          children: this.rows.children,
          tombstones: [...this.rows.tombstones.values()],
          upsert: this.mode === "upsert",
        },
        { kind: "staging", stagingOf: (t) => stagingOf.get(t) },
      );
      if (ctx.checkpoint !== undefined)
        await writeCheckpoint(s, d, this.ctx.stateTable, ctx.stateKey, ctx.checkpoint);
      await s.query("COMMIT");
    } catch (e) {
      await s.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
    this.state = "committed";
    return ctx.checkpoint !== undefined;
  }

  async abort(reason: unknown): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.ctx.logger.debug({ reason: reason instanceof Error ? reason.message : String(reason) }, "aborting");
    await this.drain().catch(() => undefined);
    await this.ctx.backend.exclusive(() => this.cleanup());
  }

  /** Drops the staging tables and releases the connection. Never throws. */
  private async cleanup(): Promise<void> {
    const { backend, session: s } = this.ctx;
    try {
      for (const st of this.staging) {
        await st.drop(backend, s, this.ctx.logger);
        this.ctx.active.delete(st.names.staging);
      }
      await backend.persist().catch(() => undefined);
    } finally {
      await s.release().catch(() => undefined);
    }
  }
}
