import { DataError, toSluiceError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { StreamStats } from "../report.js";
import type { Checkpoint, JsonObject, Sink, SinkWriter, Source, StateStore } from "../types.js";
import { commitAndAck } from "./commit.js";
import type { StreamPlan } from "./plan.js";
import { estimateBytes, nextOrAbort, sleep, throwIfAborted } from "./util.js";

/** What the batch stages need from the run. */
export interface BatchContext {
  source: Source;
  sink: Sink;
  stateStore: StateStore;
  runId: string;
  startedAt: Date;
  /** Aborts on cancellation or on the first failure. */
  signal: AbortSignal;
  /** The caller's signal: tells a cancellation from an abort caused by another stream. */
  userSignal?: AbortSignal | undefined;
  logger: Logger;
  batch: { maxRecords: number; maxBytes: number };
  streamRetries: number;
  /** Commit (and acknowledge) every N checkpoints instead of once at the end. */
  commitEveryCheckpoints?: number | undefined;
  /** Writers opened and not yet committed or aborted (aborted on failure). */
  openWriters: Set<SinkWriter>;
}

/** A stream read to its end, its writer holding everything since the last commit. */
export interface StagedStream {
  plan: StreamPlan;
  stats: StreamStats;
  writer: SinkWriter;
  checkpoint: Checkpoint | undefined;
}

/**
 * Stage 2 of a batch run: read one stream into a writer, restarting it (fresh writer, from the
 * last committed checkpoint) after a retryable failure.
 */
export async function stageStream(
  ctx: BatchContext,
  plan: StreamPlan,
  stats: StreamStats,
): Promise<StagedStream> {
  const logger = ctx.logger.child({ stream: plan.descriptor.name });
  stats.startedAtMs = Date.now();
  stats.report.status = "running";
  const state = {
    checkpoint:
      plan.syncMode === "incremental" ? await ctx.stateStore.load(plan.stateKey, ctx.signal) : undefined,
    committedRecords: 0,
  };
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(ctx.signal);
    stats.report.attempts = attempt;
    stats.report.records = state.committedRecords;
    const holder = { writer: await openWriter(ctx, plan, logger) };
    try {
      const checkpoint = await pump(ctx, plan, stats, holder, state, logger);
      stats.report.status = "staged";
      stats.report.durationMs = Date.now() - stats.startedAtMs;
      return { plan, stats, writer: holder.writer, checkpoint };
    } catch (error) {
      ctx.openWriters.delete(holder.writer);
      await holder.writer.abort(error).catch((e) => logger.error({ err: e }, "writer abort failed"));
      const e = toSluiceError(error);
      if (!(e.retryable && attempt <= ctx.streamRetries && !ctx.signal.aborted)) {
        stats.report.status = ctx.userSignal?.aborted
          ? "cancelled"
          : ctx.signal.aborted
            ? "aborted"
            : "failed";
        stats.report.error = { code: e.code, message: e.message };
        stats.report.durationMs = Date.now() - stats.startedAtMs;
        throw error;
      }
      stats.retry();
      logger.warn({ err: e, attempt }, "stream failed with a retryable error; restarting it");
      await sleep(Math.min(30_000, 1000 * 2 ** (attempt - 1)), ctx.signal);
    }
  }
}

async function openWriter(ctx: BatchContext, plan: StreamPlan, logger: Logger): Promise<SinkWriter> {
  const stepwise = ctx.commitEveryCheckpoints !== undefined && ctx.sink.capabilities?.continuous === true;
  const writer = await ctx.sink.open(plan.descriptor, {
    mode: plan.writeMode,
    runId: ctx.runId,
    runStartedAt: ctx.startedAt,
    signal: ctx.signal,
    logger,
    delivery: stepwise ? "continuous" : "batch",
  });
  ctx.openWriters.add(writer);
  return writer;
}

/**
 * Pulls the stream into the writer, re-chunked at maxRecords/maxBytes; pulls the next message
 * only after the sink accepted the previous chunk (back-pressure). With commitEveryCheckpoints,
 * every Nth checkpoint is committed and acknowledged on the way (a long read resumes near where
 * it died). Returns the last checkpoint not yet committed.
 */
async function pump(
  ctx: BatchContext,
  plan: StreamPlan,
  stats: StreamStats,
  holder: { writer: SinkWriter },
  state: { checkpoint: Checkpoint | undefined; committedRecords: number },
  logger: Logger,
): Promise<Checkpoint | undefined> {
  const name = plan.descriptor.name;
  const { maxRecords, maxBytes } = ctx.batch;
  let buffer: JsonObject[] = [];
  let bufferBytes = 0;
  let checkpoint: Checkpoint | undefined;
  let checkpointsSinceCommit = 0;
  const flush = async () => {
    if (buffer.length === 0) return;
    const batch = buffer;
    const bytes = bufferBytes;
    buffer = [];
    bufferBytes = 0;
    await holder.writer.write(batch);
    stats.report.records += batch.length;
    stats.report.bytes += Math.round(bytes);
    stats.report.batches++;
  };
  const iterator = ctx.source
    .read(name, {
      syncMode: plan.syncMode,
      state: state.checkpoint,
      signal: ctx.signal,
      logger,
      reporter: stats,
    })
    [Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextOrAbort(iterator, ctx.signal);
      if (next.done) break;
      const message = next.value;
      if (message.kind === "records") {
        const records = message.records;
        const perRecord = (message.bytes ?? estimateBytes(records, name)) / Math.max(1, records.length);
        for (const record of records) {
          buffer.push(record);
          bufferBytes += perRecord;
          if (buffer.length >= maxRecords || bufferBytes >= maxBytes) await flush();
        }
      } else if (message.kind === "checkpoint") {
        await flush();
        checkpoint = message.checkpoint;
        if (ctx.commitEveryCheckpoints && ++checkpointsSinceCommit >= ctx.commitEveryCheckpoints) {
          checkpointsSinceCommit = 0;
          await commitStep(ctx, plan, stats, holder, checkpoint, logger);
          state.checkpoint = checkpoint;
          state.committedRecords = stats.report.records;
        }
      } else {
        const { code, reason, metadata } = message.letter;
        throw new DataError(`undecodable input (${code}): ${reason}`, {
          stream: name,
          recordId: messageId(metadata),
        });
      }
      throwIfAborted(ctx.signal);
    }
    await flush();
    return checkpoint;
  } catch (error) {
    // stop the source promptly; don't wait for a source that ignores its signal
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
    throw error;
  }
}

/** An intermediate commit of a long batch read; a one-shot writer is replaced by a fresh one. */
async function commitStep(
  ctx: BatchContext,
  plan: StreamPlan,
  stats: StreamStats,
  holder: { writer: SinkWriter },
  checkpoint: Checkpoint,
  logger: Logger,
): Promise<void> {
  const writer = holder.writer;
  const report = await commitAndAck(
    writer,
    { stream: plan.descriptor.name, stateKey: plan.stateKey, checkpoint },
    ctx,
  );
  stats.report.commits = (stats.report.commits ?? 0) + 1;
  stats.report.checkpoint = checkpoint;
  logger.debug({ records: report.records, commits: stats.report.commits }, "intermediate commit");
  if (ctx.sink.capabilities?.continuous) return;
  ctx.openWriters.delete(writer);
  holder.writer = await openWriter(ctx, plan, logger);
}

/** The id a dead letter's source metadata names it by (never a payload value). */
export function messageId(metadata: Record<string, unknown> | undefined): string | undefined {
  if (!metadata) return undefined;
  for (const key of ["messageId", "message-id", "id", "updateId", "update_id", "offset"]) {
    const v = metadata[key];
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  return undefined;
}
