/**
 * Continuous delivery: a long-lived writer whose every commit is one transaction on the final
 * tables (multi-row INSERT / upsert, child rows, tombstones, the checkpoint row): no staging
 * table, no RENAME, no DDL and no information_schema read on the hot path (the tables were
 * brought up to date once, at open). On MySQL the transaction opens at the first flush, so a
 * large micro-batch never sits whole in memory; on SQLite (one shared connection) rows are
 * kept until the commit, which runs as one exclusive step.
 */
import type { CommitContext, CommitReport, JsonObject, SinkWriter } from "@sluice/core";
import type { Cell } from "./cells.js";
import { merge, writeCheckpoint } from "./merge.js";
import type { RowCollector, TableBuffer } from "./rows.js";
import { closedError, collectorFor, failure, report, type WriterContext } from "./writer-context.js";

export class ContinuousWriter implements SinkWriter {
  private readonly rows: RowCollector;
  private inTx = false;
  /** Tombstones applied in the current transaction. */
  private deleted = 0;
  /** Distinct parent keys landed in the current transaction (duplicates are reported). */
  private readonly keys = new Set<string>();
  private state: "open" | "closed" = "open";

  constructor(private readonly ctx: WriterContext) {
    this.rows = collectorFor(ctx);
  }

  private get upsert(): boolean {
    return this.ctx.options.mode === "upsert";
  }

  async write(records: JsonObject[]): Promise<void> {
    if (this.state !== "open") throw closedError(this.ctx, this.state);
    this.rows.add(records, this.rows.records);
    if (!this.ctx.backend.sharedConnection && this.rows.full(this.ctx.batchRows, this.ctx.batchBytes)) {
      try {
        await this.flush();
      } catch (e) {
        await this.rollback();
        throw failure(this.ctx, e, "write", this.ctx.options.mode);
      }
    }
  }

  /** Sends buffered rows inside the transaction (opened on first use). */
  private async flush(): Promise<void> {
    const { session: s, backend } = this.ctx;
    const d = backend.dialect;
    const taken = new Map<TableBuffer, Cell[][]>(this.rows.drainRows().map((b) => [b.t, b.rows]));
    const keyIdx = this.ctx.main.def.key.map((k) => this.ctx.main.names.indexOf(k));
    for (const row of taken.get(this.rows.main) ?? [])
      this.keys.add(JSON.stringify(keyIdx.map((i) => row[i])));
    if (!this.inTx) {
      await s.query(d.begin());
      this.inTx = true;
    }
    const input = {
      main: this.rows.main,
      children: this.rows.children,
      tombstones: [...this.rows.tombstones.values()],
      upsert: this.upsert,
    };
    await merge(s, d, input, { kind: "rows", rowsOf: (t) => taken.get(t) ?? [] });
    // Deletes already applied: a later flush only applies what arrives after this one.
    this.deleted += this.rows.tombstones.size;
    this.rows.tombstones.clear();
    for (const c of this.rows.children) c.parents.clear();
  }

  async commit(ctx: CommitContext): Promise<CommitReport> {
    if (this.state !== "open") throw closedError(this.ctx, this.state);
    const { backend, session: s } = this.ctx;
    const d = backend.dialect;
    await backend.exclusive(async () => {
      try {
        await this.flush();
        if (ctx.checkpoint !== undefined)
          await writeCheckpoint(s, d, this.ctx.stateTable, ctx.stateKey, ctx.checkpoint);
        await s.query("COMMIT");
        this.inTx = false;
        await backend.persist();
      } catch (e) {
        await this.rollback();
        throw failure(this.ctx, e, "commit", this.ctx.options.mode);
      }
    });
    const rows = this.ctx.main.def.key.length > 0 ? this.keys.size : this.rows.main.produced;
    const r = report(this.ctx, this.rows, rows, {
      checkpointPersisted: ctx.checkpoint !== undefined,
      tables: [
        this.ctx.main.def.table,
        ...this.rows.children.filter((c) => c.seen).map((c) => c.live.def.table),
      ],
    });
    if (this.deleted > 0 && r.details) r.details.deleted = this.deleted;
    this.rows.reset();
    this.keys.clear();
    this.deleted = 0;
    return r;
  }

  private async rollback(): Promise<void> {
    if (this.inTx) await this.ctx.session.query("ROLLBACK").catch(() => undefined);
    this.inTx = false;
    this.rows.reset();
    this.keys.clear();
    this.deleted = 0;
  }

  /** Discards what was written since the last commit and releases the writer. */
  async abort(reason: unknown): Promise<void> {
    if (this.state !== "open") return;
    this.ctx.logger.debug({ reason: reason instanceof Error ? reason.message : String(reason) }, "aborting");
    await this.close();
  }

  async close(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "closed";
    await this.ctx.backend.exclusive(async () => {
      await this.rollback();
      await this.ctx.session.release().catch(() => undefined);
    });
  }
}
