import type { RecordTransform } from "../continuous-options.js";
import { DataError, SluiceError, toSluiceError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { StreamStats } from "../report.js";
import type {
  Checkpoint,
  CommitReport,
  DeadLetter,
  DeadLetterInput,
  JsonObject,
  Sink,
  SinkWriter,
  Source,
  SourceMessage,
  StateStore,
} from "../types.js";
import { type Clock, clockSleep, Wakeup } from "./clock.js";
import { acknowledge } from "./commit.js";
import type { DeadLetterRouter } from "./dead-letters.js";
import { LatencyWindow } from "./metrics.js";
import type { StreamPlan } from "./plan.js";
import { estimateBytes, nextOrAbort } from "./util.js";

/** What every stream loop of a continuous run shares. */
export interface ContinuousContext {
  source: Source;
  sink: Sink;
  stateStore: StateStore;
  runId: string;
  startedAt: Date;
  logger: Logger;
  clock: Clock;
  batch: { maxRecords: number; maxBytes: number; maxLatencyMs: number };
  maxUnacked: number;
  transform?: RecordTransform | undefined;
  deadLetters: DeadLetterRouter;
  commitRetries: number;
  commitBackoffMs: number;
  exitWhenIdleMs?: number | undefined;
  /** Aborts the open batch at once: drain timeout, a forced stop, another stream's failure. */
  hardSignal: AbortSignal;
  onCommit(stream: string, event: { records: number; deadLetters: number; latencyMs: number }): void;
}

/** Records (and dead letters) up to one checkpoint; a micro-batch is one or more of these. */
interface Segment {
  records: JsonObject[];
  letters: DeadLetter[];
  bytes: number;
  /** Records plus dead letters: what the source counts as unacknowledged. */
  messages: number;
  /** When its first message arrived (the micro-batch timer starts there). */
  firstAt: number;
  checkpoint?: Checkpoint | undefined;
}

function emptySegment(): Segment {
  return { records: [], letters: [], bytes: 0, messages: 0, firstAt: 0 };
}

/**
 * One stream of a continuous run: a reader pulls the source while fewer than `maxUnacked`
 * messages are outstanding; a committer cuts micro-batches at checkpoint boundaries (records,
 * bytes or latency, whichever first) and commits them one at a time: dead letters routed →
 * sink commit → checkpoint saved → `source.committed()`.
 */
export class ContinuousStream {
  private tail = emptySegment();
  private sealed: Segment[] = [];
  private unacked = 0;
  private committingSince: number | undefined;
  private lastMessageAt: number;
  private sourceEnded = false;
  private draining = false;
  /** Drained because the source was idle for `exitWhenIdleMs`. */
  idleDrained = false;
  private failure: unknown;
  private writer: SinkWriter | undefined;
  private readonly wake: Wakeup;
  private readonly space: Wakeup;
  private readonly pull = new AbortController();
  private readonly latencies = new LatencyWindow();
  private readonly logger: Logger;
  private readonly longLived: boolean;

  constructor(
    private readonly ctx: ContinuousContext,
    private readonly plan: StreamPlan,
    readonly stats: StreamStats,
  ) {
    this.wake = new Wakeup(ctx.clock);
    this.space = new Wakeup(ctx.clock);
    this.lastMessageAt = ctx.clock.now();
    this.logger = ctx.logger.child({ stream: plan.descriptor.name });
    this.longLived = ctx.sink.capabilities?.continuous === true;
    ctx.hardSignal.addEventListener("abort", () => this.fail(ctx.hardSignal.reason), { once: true });
  }

  get name(): string {
    return this.plan.descriptor.name;
  }

  /** Stop pulling; commit what is checkpointed; return. Records after the last checkpoint stay unacked. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.pull.abort(new SluiceError("draining", "draining"));
    this.wake.notify();
    this.space.notify();
  }

  /** Runs until drained, the source ends, or a failure (rethrown, the open batch aborted). */
  async run(): Promise<void> {
    this.stats.startedAtMs = Date.now();
    this.stats.report.status = "running";
    this.stats.report.commits = 0;
    this.stats.report.deadLetters = 0;
    const state = await this.ctx.stateStore.load(this.plan.stateKey, this.ctx.hardSignal);
    const reader = this.read(state).catch((e) => this.fail(e));
    try {
      await this.commitLoop();
      if (this.failure !== undefined) throw this.failure;
      await this.writer?.close?.();
      this.writer = undefined;
      this.stats.report.status = "committed";
    } catch (error) {
      this.fail(error);
      await this.writer?.abort(error).catch((e) => this.logger.error({ err: e }, "writer abort failed"));
      this.writer = undefined;
      const e = toSluiceError(error);
      this.stats.report.status =
        this.ctx.hardSignal.aborted && e.code === "cancelled" ? "cancelled" : "failed";
      this.stats.report.error = { code: e.code, message: e.message };
      throw error;
    } finally {
      await reader;
      this.refreshReport();
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    if (this.draining && error instanceof SluiceError && error.code === "draining") return;
    this.failure = error ?? new SluiceError("pipeline_failed", "stream failed");
    this.pull.abort(this.failure);
    this.wake.notify();
    this.space.notify();
  }

  private stopped(): boolean {
    return this.failure !== undefined || this.draining;
  }

  // ---- reader ---------------------------------------------------------------------------

  private async read(state: Checkpoint | undefined): Promise<void> {
    const iterator = this.ctx.source
      .read(this.name, {
        syncMode: this.plan.syncMode,
        state,
        signal: this.pull.signal,
        logger: this.logger,
        reporter: this.stats,
      })
      [Symbol.asyncIterator]();
    try {
      for (;;) {
        while (this.unacked >= this.ctx.maxUnacked && !this.stopped()) await this.space.wait();
        if (this.stopped()) return;
        const next = await nextOrAbort(iterator, this.pull.signal);
        if (next.done) {
          this.sourceEnded = true;
          return;
        }
        this.lastMessageAt = this.ctx.clock.now();
        this.accept(next.value);
        this.wake.notify();
      }
    } catch (error) {
      if (!this.stopped()) throw error;
    } finally {
      this.wake.notify();
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }

  private accept(message: SourceMessage): void {
    const seg = this.tail;
    if (seg.messages === 0) seg.firstAt = this.lastMessageAt;
    if (message.kind === "checkpoint") {
      seg.checkpoint = message.checkpoint;
      this.sealed.push(seg);
      this.tail = emptySegment();
      return;
    }
    if (message.kind === "dead-letter") {
      this.addLetter(message.letter);
      return;
    }
    const records = message.records;
    const perRecord = (message.bytes ?? estimateBytes(records, this.name)) / Math.max(1, records.length);
    for (const record of records) {
      const out = this.transform(record);
      if (out === undefined) continue;
      seg.records.push(out);
      seg.bytes += perRecord;
      seg.messages++;
      this.unacked++;
    }
  }

  private transform(record: JsonObject): JsonObject | undefined {
    const t = this.ctx.transform;
    if (!t) return record;
    try {
      return t(record, this.name);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      const id = record.id;
      const metadata = typeof id === "string" || typeof id === "number" ? { id } : {};
      this.addLetter({ code: "transform_failed", reason: error.message, payload: record, metadata });
      return undefined;
    }
  }

  private addLetter(input: DeadLetterInput): void {
    if (!this.ctx.deadLetters.enabled) throw this.ctx.deadLetters.refuse(this.name, input);
    const seg = this.tail;
    if (seg.messages === 0) seg.firstAt = this.lastMessageAt;
    seg.letters.push({ ...input, stream: this.name, at: new Date().toISOString() });
    seg.messages++;
    this.unacked++;
  }

  // ---- committer ------------------------------------------------------------------------

  private async commitLoop(): Promise<void> {
    const { batch, clock, exitWhenIdleMs } = this.ctx;
    for (;;) {
      if (this.failure !== undefined) return;
      const ready = this.sealed.length > 0 || (this.sourceEnded && this.tail.messages > 0);
      const finishing = this.draining || this.sourceEnded;
      if (ready && (finishing || this.due())) {
        await this.commit(this.cut());
        continue;
      }
      if (finishing) return;
      const now = clock.now();
      if (exitWhenIdleMs !== undefined && now - this.lastMessageAt >= exitWhenIdleMs) {
        this.logger.info({ idleMs: now - this.lastMessageAt }, "source idle: draining");
        this.idleDrained = true;
        this.drain();
        continue;
      }
      if (this.unacked >= this.ctx.maxUnacked && this.sealed.length === 0) {
        throw new SluiceError(
          "source_failed",
          `stream ${this.name}: ${this.unacked} messages delivered without a checkpoint; maxUnacked is ${this.ctx.maxUnacked}, so nothing could ever be acknowledged`,
        );
      }
      const deadlines: number[] = [];
      if (this.sealed.length > 0) deadlines.push(this.sealed[0]!.firstAt + batch.maxLatencyMs);
      if (exitWhenIdleMs !== undefined) deadlines.push(this.lastMessageAt + exitWhenIdleMs);
      await this.wake.wait(deadlines.length > 0 ? Math.min(...deadlines) - now : undefined);
    }
  }

  private due(): boolean {
    let records = 0;
    let bytes = 0;
    for (const s of this.sealed) {
      records += s.messages;
      bytes += s.bytes;
    }
    const { maxRecords, maxBytes, maxLatencyMs } = this.ctx.batch;
    return (
      records >= maxRecords ||
      bytes >= maxBytes ||
      this.unacked >= this.ctx.maxUnacked ||
      this.ctx.clock.now() - this.sealed[0]!.firstAt >= maxLatencyMs
    );
  }

  /** Takes whole segments (never splitting one: cuts only at checkpoints) up to the batch limits. */
  private cut(): Segment {
    if (this.sealed.length === 0) {
      const rest = this.tail; // the source ended without a final checkpoint
      this.tail = emptySegment();
      return rest;
    }
    const out = emptySegment();
    out.firstAt = this.sealed[0]!.firstAt;
    const { maxRecords, maxBytes } = this.ctx.batch;
    while (
      this.sealed.length > 0 &&
      (out.messages === 0 || (out.messages < maxRecords && out.bytes < maxBytes))
    ) {
      const s = this.sealed[0]!;
      if (out.messages > 0 && out.messages + s.messages > maxRecords) break;
      this.sealed.shift();
      for (const r of s.records) out.records.push(r);
      for (const l of s.letters) out.letters.push(l);
      out.bytes += s.bytes;
      out.messages += s.messages;
      out.checkpoint = s.checkpoint ?? out.checkpoint;
    }
    return out;
  }

  private async commit(batch: Segment): Promise<void> {
    const { clock } = this.ctx;
    const started = clock.now();
    this.committingSince = batch.firstAt;
    await this.ctx.deadLetters.route(this.name, batch.letters, this.ctx.hardSignal);
    const report = batch.records.length > 0 ? await this.landWithRetries(batch) : undefined;
    await acknowledge(
      { stream: this.name, stateKey: this.plan.stateKey, checkpoint: batch.checkpoint },
      { source: this.ctx.source, stateStore: this.ctx.stateStore, signal: this.ctx.hardSignal },
    );
    const done = clock.now();
    this.committingSince = undefined;
    this.unacked -= batch.messages;
    this.space.notify();
    this.account(batch, report, done - started, done - batch.firstAt);
  }

  /** write + commit on the stream's writer; a retryable failure retries the batch on a fresh writer. */
  private async landWithRetries(batch: Segment): Promise<CommitReport> {
    for (let attempt = 0; ; attempt++) {
      try {
        const writer = this.writer ?? (await this.openWriter());
        await writer.write(batch.records);
        const report = await writer.commit({ checkpoint: batch.checkpoint, stateKey: this.plan.stateKey });
        if (!this.longLived) this.writer = undefined;
        return report;
      } catch (error) {
        const writer = this.writer;
        this.writer = undefined;
        await writer?.abort(error).catch((e) => this.logger.error({ err: e }, "writer abort failed"));
        const e = toSluiceError(error);
        if (!e.retryable || attempt >= this.ctx.commitRetries || this.ctx.hardSignal.aborted) throw error;
        this.stats.retry();
        const delay = Math.min(30_000, this.ctx.commitBackoffMs * 2 ** attempt);
        this.logger.warn(
          { err: e, attempt: attempt + 1, delayMs: delay },
          "micro-batch commit failed; retrying",
        );
        await clockSleep(this.ctx.clock, delay, this.ctx.hardSignal);
      }
    }
  }

  private async openWriter(): Promise<SinkWriter> {
    this.writer = await this.ctx.sink.open(this.plan.descriptor, {
      mode: this.plan.writeMode,
      runId: this.ctx.runId,
      runStartedAt: this.ctx.startedAt,
      signal: this.ctx.hardSignal,
      logger: this.logger,
      delivery: this.longLived ? "continuous" : "batch",
    });
    return this.writer;
  }

  private account(batch: Segment, report: CommitReport | undefined, latencyMs: number, ageMs: number): void {
    const r = this.stats.report;
    r.records += batch.records.length;
    r.bytes += Math.round(batch.bytes);
    r.batches++;
    r.commits = (r.commits ?? 0) + 1;
    r.deadLetters = (r.deadLetters ?? 0) + batch.letters.length;
    r.maxLagMs = Math.max(r.maxLagMs ?? 0, ageMs);
    if (report) r.commit = report;
    if (batch.checkpoint !== undefined) r.checkpoint = batch.checkpoint;
    this.latencies.add(latencyMs);
    this.logger.debug(
      { records: batch.records.length, deadLetters: batch.letters.length, latencyMs, unacked: this.unacked },
      "micro-batch committed",
    );
    this.ctx.onCommit(this.name, {
      records: batch.records.length,
      deadLetters: batch.letters.length,
      latencyMs,
    });
  }

  /** Rates, latency percentiles and lag, written into the stream's report. */
  refreshReport(): void {
    const r = this.stats.report;
    const now = this.ctx.clock.now();
    r.durationMs = Date.now() - this.stats.startedAtMs;
    r.recordsPerSecond = Math.round((r.records / Math.max(1, r.durationMs)) * 10_000) / 10;
    const p = this.latencies.percentiles();
    if (p) r.commitLatencyMs = p;
    const oldest =
      this.committingSince ??
      this.sealed[0]?.firstAt ??
      (this.tail.messages > 0 ? this.tail.firstAt : undefined);
    r.lagMs = oldest === undefined ? 0 : Math.max(0, now - oldest);
  }
}
