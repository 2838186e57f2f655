import { randomUUID } from "node:crypto";
import { z } from "zod";
import { parseOptions } from "../config.js";
import type { ContinuousPipelineOptions } from "../continuous-options.js";
import { CancelledError, ConfigError, type ConfigIssue, SluiceError, toSluiceError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { buildRunReport, type RunReport, StreamStats } from "../report.js";
import { MemoryStateStore } from "../state/memory.js";
import type { Sink, Source } from "../types.js";
import { PipelineError } from "./batch.js";
import { realClock } from "./clock.js";
import { type ContinuousContext, ContinuousStream } from "./continuous-stream.js";
import { DeadLetterRouter } from "./dead-letters.js";
import { planStreams, type StreamPlan } from "./plan.js";

const DEFAULT_BATCH = { maxRecords: 500, maxBytes: 4 * 1024 * 1024, maxLatencyMs: 1000 };

const optionsSchema = z.object({
  source: z.custom<Source>((v) => !!v && typeof (v as Source).read === "function", "must be a Source"),
  sink: z.custom<Sink>((v) => !!v && typeof (v as Sink).open === "function", "must be a Sink"),
  batch: z
    .object({
      maxRecords: z.number().int().min(1).default(DEFAULT_BATCH.maxRecords),
      maxBytes: z.number().int().min(1024).default(DEFAULT_BATCH.maxBytes),
      maxLatencyMs: z.number().int().min(1).default(DEFAULT_BATCH.maxLatencyMs),
    })
    .default(DEFAULT_BATCH),
  commitRetries: z.number().int().min(0).max(20).default(5),
  commitBackoffMs: z.number().int().min(0).default(500),
  drainTimeoutMs: z.number().int().min(0).default(30_000),
  exitWhenIdleMs: z.number().int().min(1).optional(),
  summaryIntervalMs: z.number().int().min(10).default(60_000),
});

/**
 * Runs an unbounded source into a sink in micro-batches: each batch is cut at a checkpoint
 * (records, bytes or latency, whichever first), committed atomically, then its checkpoint is
 * saved and `source.committed()` acknowledges it. Never more than the source's `maxUnacked`
 * outstanding. Aborting `signal` drains: stop pulling, commit what is checkpointed, acknowledge,
 * close; the report says `drained`. A non-retryable failure throws a PipelineError, the open
 * batch unacknowledged (it is redelivered).
 */
export async function runContinuous(options: ContinuousPipelineOptions): Promise<RunReport> {
  const parsed = parseOptions(optionsSchema, options, "runContinuous options");
  const logger = (options.logger ?? silentLogger()).child({ component: "runner", delivery: "continuous" });
  const run = {
    runId: options.runId ?? randomUUID(),
    source: options.source.name,
    sink: options.sink.name,
    startedAt: new Date(),
  };
  const hard = new AbortController();
  const stats = new Map<string, StreamStats>();
  const streams: ContinuousStream[] = [];
  const stop = watchSignals(options, hard, streams, parsed.drainTimeoutMs, logger);
  const summary = startSummary(parsed.summaryIntervalMs, run.runId, streams, logger);
  try {
    const plans = await plan(options, parsed.batch.maxRecords, hard.signal);
    const ctx = context(options, parsed, run, hard.signal, logger, streams);
    for (const p of plans) {
      const s = new StreamStats(p.descriptor.name, p.syncMode, p.writeMode);
      for (const w of p.warnings) s.warn(w.code, w.message);
      stats.set(p.descriptor.name, s);
      streams.push(new ContinuousStream(ctx, p, s));
    }
    if (options.signal?.aborted) for (const s of streams) s.drain();
    const results = await Promise.allSettled(
      streams.map((s) => s.run().catch((e) => Promise.reject(failOthers(e, hard)))),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    const report = buildRunReport(run, stats.values(), "succeeded");
    report.drained = stop.drained();
    logger.info(
      { runId: run.runId, records: report.records, deadLetters: report.deadLetters },
      "run finished",
    );
    return report;
  } catch (error) {
    const cancelled = error instanceof CancelledError;
    const sluiceError = toSluiceError(error);
    for (const s of stats.values()) {
      if (s.report.status === "running" || s.report.status === "pending") s.report.status = "aborted";
    }
    logger.error({ runId: run.runId, err: sluiceError, code: sluiceError.code }, "continuous run failed");
    throw new PipelineError(
      sluiceError,
      buildRunReport(run, stats.values(), cancelled ? "cancelled" : "failed"),
    );
  } finally {
    summary.stop();
    stop.dispose();
  }
}

function failOthers(error: unknown, hard: AbortController): unknown {
  if (!hard.signal.aborted) hard.abort(new SluiceError("aborted", "another stream failed", { cause: error }));
  return error;
}

/** Plans the streams (idempotent write modes, never replace) and refuses impossible runs up front. */
async function plan(
  options: ContinuousPipelineOptions,
  maxRecords: number,
  signal: AbortSignal,
): Promise<StreamPlan[]> {
  const plans = await planStreams({
    source: options.source,
    sink: options.sink,
    streams: options.streams,
    descriptors: options.descriptors,
    syncMode: "incremental",
    writeMode: options.writeMode,
    stateKeyPrefix: options.stateKeyPrefix ?? options.source.name,
    delivery: "continuous",
    signal,
  });
  const issues: ConfigIssue[] = [];
  const maxUnacked = options.source.continuous?.maxUnacked;
  if (maxUnacked !== undefined && maxRecords > maxUnacked) {
    issues.push({
      field: "batch.maxRecords",
      message: `${maxRecords} exceeds what ${options.source.name} can hold unacknowledged (maxUnacked ${maxUnacked}): a batch could never fill`,
    });
  }
  if (options.deadLetter === "source" && typeof options.source.deadLetter !== "function") {
    issues.push({
      field: "deadLetter",
      message: `${options.source.name} has no dead-letter mechanism (deadLetter())`,
    });
  }
  const maxWriters = options.sink.capabilities?.maxOpenWriters;
  if (options.sink.capabilities?.continuous && maxWriters !== undefined && plans.length > maxWriters) {
    issues.push({
      field: "streams",
      message: `${plans.length} streams each hold a long-lived writer, but ${options.sink.name} holds at most ${maxWriters}`,
    });
  }
  if (issues.length > 0) throw new ConfigError("runContinuous options", issues);
  return plans;
}

function context(
  options: ContinuousPipelineOptions,
  parsed: z.output<typeof optionsSchema>,
  run: { runId: string; startedAt: Date },
  hardSignal: AbortSignal,
  logger: Logger,
  streams: ContinuousStream[],
): ContinuousContext {
  const maxUnacked = options.source.continuous?.maxUnacked ?? Math.max(10 * parsed.batch.maxRecords, 1000);
  const stateKeyPrefix = options.stateKeyPrefix ?? options.source.name;
  return {
    source: options.source,
    sink: options.sink,
    stateStore: options.stateStore ?? new MemoryStateStore(),
    runId: run.runId,
    startedAt: run.startedAt,
    logger,
    clock: options.clock ?? realClock,
    batch: parsed.batch,
    maxUnacked,
    transform: options.transform,
    deadLetters: new DeadLetterRouter(options.deadLetter, options.source, { ...run, stateKeyPrefix, logger }),
    commitRetries: parsed.commitRetries,
    commitBackoffMs: parsed.commitBackoffMs,
    exitWhenIdleMs: parsed.exitWhenIdleMs,
    hardSignal,
    onCommit(stream, event) {
      options.onCommit?.({ stream, ...event });
      const s = streams.find((x) => x.name === stream);
      if (s && options.onProgress) {
        s.refreshReport();
        options.onProgress(s.stats.progress(run.runId, Date.now()));
      }
    },
  };
}

/** signal → drain every stream (and start the drain timer); forceSignal or the timer → abort the open batches. */
function watchSignals(
  options: ContinuousPipelineOptions,
  hard: AbortController,
  streams: ContinuousStream[],
  drainTimeoutMs: number,
  logger: Logger,
): { drained(): boolean; dispose(): void } {
  let drained = false;
  let cancelTimer: (() => void) | undefined;
  const clock = options.clock ?? realClock;
  const onDrain = () => {
    drained = true;
    logger.info({ drainTimeoutMs }, "drain requested: committing what is staged");
    for (const s of streams) s.drain();
    cancelTimer = clock.setTimeout(
      () => hard.abort(new CancelledError(`drain did not finish within ${drainTimeoutMs} ms`)),
      drainTimeoutMs,
    );
  };
  const onForce = () => hard.abort(new CancelledError("forced stop: the open micro-batch is aborted"));
  if (options.signal?.aborted) onDrain();
  else options.signal?.addEventListener("abort", onDrain, { once: true });
  if (options.forceSignal?.aborted) onForce();
  else options.forceSignal?.addEventListener("abort", onForce, { once: true });
  return {
    drained: () => drained || streams.some((s) => s.idleDrained),
    dispose() {
      cancelTimer?.();
      options.signal?.removeEventListener("abort", onDrain);
      options.forceSignal?.removeEventListener("abort", onForce);
    },
  };
}

function startSummary(
  intervalMs: number,
  runId: string,
  streams: ContinuousStream[],
  logger: Logger,
): { stop(): void } {
  const timer = setInterval(() => {
    for (const s of streams) {
      s.refreshReport();
      const r = s.stats.report;
      logger.info(
        {
          runId,
          stream: r.stream,
          records: r.records,
          recordsPerSecond: r.recordsPerSecond,
          commitLatencyMs: r.commitLatencyMs,
          lagMs: r.lagMs,
          deadLetters: r.deadLetters,
          redeliveries: r.redeliveries ?? 0,
        },
        "continuous summary",
      );
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
