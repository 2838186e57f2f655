import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import { z } from "zod";
import { parseOptions } from "../config.js";
import { CancelledError, ConfigError, SluiceError, toSluiceError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { buildRunReport, type ProgressEvent, type RunReport, StreamStats } from "../report.js";
import { MemoryStateStore } from "../state/memory.js";
import type {
  Sink,
  SinkWriter,
  Source,
  StateStore,
  StreamDescriptor,
  SyncMode,
  WriteMode,
} from "../types.js";
import { commitAndAck } from "./commit.js";
import { planStreams, type StreamPlan } from "./plan.js";
import { type BatchContext, type StagedStream, stageStream } from "./stage.js";
import { throwIfAborted } from "./util.js";

export interface PipelineOptions {
  source: Source;
  sink: Sink;
  /** Streams to run; defaults to every stream the source discovers (or every descriptor given). */
  streams?: string[];
  /** Descriptors for a source without `discover`, or overriding what it discovered. */
  descriptors?: StreamDescriptor[];
  /** `full` (default) or `incremental` (from the saved checkpoint). */
  syncMode?: SyncMode;
  /**
   * Default, per stream, from what the sink supports (`capabilities.writeModes`): `replace` for a
   * full read, `upsert` for an incremental one (needs a primary key), else `append`.
   */
  writeMode?: WriteMode;
  /** Where checkpoints live; defaults to an in-memory store. */
  stateStore?: StateStore;
  /** Prefix of state keys (`prefix/stream`); defaults to the source name. */
  stateKeyPrefix?: string;
  /** Streams read in parallel. Default 2. */
  concurrency?: number;
  /** Re-chunking before the sink: flush at `maxRecords` or `maxBytes`, whichever first. */
  batch?: { maxRecords?: number; maxBytes?: number };
  /**
   * `all` (default): every stream is staged first and commits happen only once every stream
   * has been read, so a failure while reading leaves every target untouched. The commits
   * themselves run one stream after the other: each is atomic for its own target, but a failing
   * commit cannot undo the streams committed before it (the report says which).
   * `per-stream`: each stream commits as soon as it is read.
   */
  commit?: "all" | "per-stream";
  /**
   * Commit and acknowledge every N checkpoints of a stream instead of once at its end, so a
   * long read that dies resumes near where it died. Needs append or upsert (replace cannot
   * commit in steps); with `commit: "all"` only the last commit of each stream waits.
   */
  commitEveryCheckpoints?: number;
  /** Whole-stream retries after a retryable failure (fresh writer, last committed checkpoint). Default 2. */
  streamRetries?: number;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  progressIntervalMs?: number;
  runId?: string;
}

/** Thrown when a run fails; carries the run report with every stream's status. */
export class PipelineError extends SluiceError {
  readonly report: RunReport;
  constructor(error: SluiceError, report: RunReport) {
    super(error.code, error.message, { cause: error, retryable: error.retryable, details: error.details });
    this.report = report;
  }
}

const optionsSchema = z.object({
  source: z.custom<Source>((v) => !!v && typeof (v as Source).read === "function", "must be a Source"),
  sink: z.custom<Sink>((v) => !!v && typeof (v as Sink).open === "function", "must be a Sink"),
  streams: z.array(z.string().min(1)).min(1).optional(),
  descriptors: z.array(z.custom<StreamDescriptor>((v) => !!v && typeof v === "object")).optional(),
  syncMode: z.enum(["full", "incremental"]).default("full"),
  writeMode: z.enum(["replace", "append", "upsert"]).optional(),
  stateStore: z.custom<StateStore>().optional(),
  stateKeyPrefix: z.string().optional(),
  concurrency: z.number().int().min(1).max(64).default(2),
  batch: z
    .object({
      maxRecords: z.number().int().min(1).default(1000),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(4 * 1024 * 1024),
    })
    .default({ maxRecords: 1000, maxBytes: 4 * 1024 * 1024 }),
  commit: z.enum(["all", "per-stream"]).default("all"),
  commitEveryCheckpoints: z.number().int().min(1).optional(),
  streamRetries: z.number().int().min(0).max(10).default(2),
  signal: z.custom<AbortSignal>().optional(),
  logger: z.custom<Logger>().optional(),
  onProgress: z.custom<(e: ProgressEvent) => void>((v) => typeof v === "function").optional(),
  progressIntervalMs: z.number().int().min(10).default(1000),
  runId: z.string().min(1).optional(),
});
type ParsedOptions = z.output<typeof optionsSchema>;

/**
 * Runs streams from a source into a sink, in stages: plan the streams, stage each (read into a
 * writer, with back-pressure and retries), commit (sink commit → state save → source ack), report.
 * On any failure every open writer is aborted and a PipelineError (with the run report) is thrown.
 */
export async function runPipeline(options: PipelineOptions): Promise<RunReport> {
  const opts = parseOptions(optionsSchema, options, "runPipeline options");
  const logger = (opts.logger ?? silentLogger()).child({ component: "runner" });
  const run = {
    runId: opts.runId ?? randomUUID(),
    source: opts.source.name,
    sink: opts.sink.name,
    startedAt: new Date(),
  };
  const controller = new AbortController();
  const onAbort = () => {
    const reason: unknown = opts.signal?.reason;
    controller.abort(
      reason instanceof CancelledError ? reason : new CancelledError("Run cancelled", { cause: reason }),
    );
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const stats = new Map<string, StreamStats>();
  const ctx: BatchContext = {
    source: opts.source,
    sink: opts.sink,
    stateStore: opts.stateStore ?? new MemoryStateStore(),
    runId: run.runId,
    startedAt: run.startedAt,
    signal: controller.signal,
    userSignal: opts.signal,
    logger,
    batch: opts.batch,
    streamRetries: opts.streamRetries,
    commitEveryCheckpoints: opts.commitEveryCheckpoints,
    openWriters: new Set<SinkWriter>(),
  };
  const progress = startProgress(opts, run.runId, stats);
  try {
    const plans = await plan(opts, ctx);
    for (const p of plans) stats.set(p.descriptor.name, statsFor(p));
    await stageAndCommit(opts, ctx, plans, stats);
    const report = buildRunReport(run, stats.values(), "succeeded");
    logger.info(
      { runId: run.runId, records: report.records, durationMs: report.durationMs },
      "run succeeded",
    );
    return report;
  } catch (error) {
    if (!controller.signal.aborted) controller.abort(error);
    await abortWriters(ctx, error);
    const cancelled = error instanceof CancelledError || (opts.signal?.aborted ?? false);
    for (const s of stats.values()) {
      if (s.report.status !== "committed" && s.report.status !== "failed") {
        s.report.status = cancelled ? "cancelled" : "aborted";
      }
    }
    const sluiceError =
      cancelled && !(error instanceof SluiceError) ? new CancelledError() : toSluiceError(error);
    logger.error({ runId: run.runId, err: sluiceError, code: sluiceError.code }, "run failed");
    throw new PipelineError(
      sluiceError,
      buildRunReport(run, stats.values(), cancelled ? "cancelled" : "failed"),
    );
  } finally {
    progress.stop();
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

/** Plans the streams and refuses, up front, a run the sink cannot hold open. */
async function plan(opts: ParsedOptions, ctx: BatchContext): Promise<StreamPlan[]> {
  const plans = await planStreams({
    source: opts.source,
    sink: opts.sink,
    streams: opts.streams,
    descriptors: opts.descriptors,
    syncMode: opts.syncMode,
    writeMode: opts.writeMode,
    stateKeyPrefix: opts.stateKeyPrefix ?? opts.source.name,
    delivery: opts.commitEveryCheckpoints ? "continuous" : "batch",
    signal: ctx.signal,
  });
  const max = opts.sink.capabilities?.maxOpenWriters;
  if (opts.commit === "all" && max !== undefined && plans.length > max) {
    throw new ConfigError("runPipeline options", [
      {
        field: "commit",
        message: `commit "all" holds one open writer per stream until every stream is read: ${plans.length} streams, but ${opts.sink.name} holds at most ${max} writers at once; use commit "per-stream", fewer streams, or a larger pool`,
      },
    ]);
  }
  return plans;
}

function statsFor(plan: StreamPlan): StreamStats {
  const stats = new StreamStats(plan.descriptor.name, plan.syncMode, plan.writeMode);
  for (const w of plan.warnings) stats.warn(w.code, w.message);
  return stats;
}

/** Stage every stream (bounded concurrency), then commit: per stream, or all once every stream is read. */
async function stageAndCommit(
  opts: ParsedOptions,
  ctx: BatchContext,
  plans: StreamPlan[],
  stats: Map<string, StreamStats>,
): Promise<void> {
  const maxWriters = opts.sink.capabilities?.maxOpenWriters ?? Number.POSITIVE_INFINITY;
  const limit = pLimit(Math.max(1, Math.min(opts.concurrency, maxWriters)));
  const staged: StagedStream[] = [];
  const results = await Promise.allSettled(
    plans.map((p) =>
      limit(async () => {
        const s = await stageStream(ctx, p, stats.get(p.descriptor.name)!);
        if (opts.commit === "per-stream") await commitStaged(ctx, s);
        else staged.push(s);
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  for (const s of staged) {
    throwIfAborted(ctx.signal);
    await commitStaged(ctx, s);
  }
}

/** Stage 3: commit one staged stream; on failure the stream is reported failed with its error. */
async function commitStaged(ctx: BatchContext, s: StagedStream): Promise<void> {
  const { plan: p, stats } = s;
  try {
    stats.report.commit = await commitAndAck(
      s.writer,
      { stream: p.descriptor.name, stateKey: p.stateKey, checkpoint: s.checkpoint },
      ctx,
    );
  } catch (error) {
    const e = toSluiceError(error);
    stats.report.status = "failed";
    stats.report.error = { code: e.code, message: e.message };
    throw error;
  }
  ctx.openWriters.delete(s.writer);
  await s.writer.close?.();
  stats.report.status = "committed";
  if (s.checkpoint !== undefined) stats.report.checkpoint = s.checkpoint;
  if (ctx.commitEveryCheckpoints) stats.report.commits = (stats.report.commits ?? 0) + 1;
  stats.report.durationMs = Date.now() - stats.startedAtMs;
  ctx.logger.info(
    { stream: p.descriptor.name, records: stats.report.records, commit: stats.report.commit },
    "stream committed",
  );
}

async function abortWriters(ctx: BatchContext, error: unknown): Promise<void> {
  await Promise.allSettled(
    [...ctx.openWriters].map(async (w) => {
      try {
        await w.abort(error);
      } catch (abortError) {
        ctx.logger.error({ err: abortError }, "writer abort failed");
      }
    }),
  );
  ctx.openWriters.clear();
}

function startProgress(
  opts: ParsedOptions,
  runId: string,
  stats: Map<string, StreamStats>,
): { stop(): void } {
  const emit = () => {
    if (!opts.onProgress) return;
    const now = Date.now();
    for (const s of stats.values())
      if (s.report.status === "running") opts.onProgress(s.progress(runId, now));
  };
  const timer = opts.onProgress ? setInterval(emit, opts.progressIntervalMs) : undefined;
  timer?.unref();
  return {
    stop() {
      if (timer) clearInterval(timer);
      emit();
    },
  };
}
