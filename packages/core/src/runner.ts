import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import { z } from "zod";
import { parseOptions } from "./config.js";
import { CancelledError, ConfigError, DataError, SluiceError, toSluiceError } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { type ProgressEvent, type RunReport, StreamStats } from "./report.js";
import { MemoryStateStore } from "./state/memory.js";
import type {
  Checkpoint,
  JsonObject,
  Sink,
  SinkWriter,
  Source,
  StateStore,
  StreamDescriptor,
  SyncMode,
  WriteMode,
} from "./types.js";

export interface PipelineOptions {
  source: Source;
  sink: Sink;
  /** Streams to run; defaults to every stream the source discovers. */
  streams?: string[];
  /** `full` (default) or `incremental` (from the saved checkpoint). */
  syncMode?: SyncMode;
  /** Defaults to `replace` for full syncs and `upsert` for incremental ones. */
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
   * has been read, so a failure in any stream leaves every target untouched.
   * `per-stream`: each stream commits as soon as it is read.
   */
  commit?: "all" | "per-stream";
  /** Whole-stream retries after a retryable failure (fresh writer, same checkpoint). Default 2. */
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
  streamRetries: z.number().int().min(0).max(10).default(2),
  signal: z.custom<AbortSignal>().optional(),
  logger: z.custom<Logger>().optional(),
  onProgress: z.custom<(e: ProgressEvent) => void>((v) => typeof v === "function").optional(),
  progressIntervalMs: z.number().int().min(10).default(1000),
  runId: z.string().min(1).optional(),
});

interface StagedStream {
  descriptor: StreamDescriptor;
  stats: StreamStats;
  writer: SinkWriter;
  checkpoint: Checkpoint | undefined;
  stateKey: string;
}

/**
 * Runs streams from a source into a sink. Back-pressure is structural: the runner pulls the
 * next source message only after the sink accepted the previous batch. Checkpoints are saved
 * and `source.committed()` called only after the sink commit. On any failure every open writer
 * is aborted and a PipelineError (with the run report) is thrown.
 */
export async function runPipeline(options: PipelineOptions): Promise<RunReport> {
  const opts = parseOptions(optionsSchema, options, "runPipeline options");
  const { source, sink } = opts;
  const logger = (opts.logger ?? silentLogger()).child({ component: "runner" });
  const runId = opts.runId ?? randomUUID();
  const syncMode = opts.syncMode;
  const writeMode: WriteMode = opts.writeMode ?? (syncMode === "incremental" ? "upsert" : "replace");
  const stateStore = opts.stateStore ?? new MemoryStateStore();
  const prefix = opts.stateKeyPrefix ?? source.name;
  const startedAt = new Date();

  const controller = new AbortController();
  const onAbort = () => {
    const reason: unknown = opts.signal?.reason;
    controller.abort(
      reason instanceof CancelledError ? reason : new CancelledError("Run cancelled", { cause: reason }),
    );
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const statsByStream = new Map<string, StreamStats>();
  const staged: StagedStream[] = [];
  const openWriters = new Set<SinkWriter>();
  let progressTimer: NodeJS.Timeout | undefined;

  const buildReport = (status: RunReport["status"]): RunReport => {
    const finished = new Date();
    const streams = [...statsByStream.values()].map((s) => ({ ...s.report }));
    return {
      runId,
      source: source.name,
      sink: sink.name,
      status,
      startedAt: startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - startedAt.getTime(),
      records: streams.reduce((n, s) => n + s.records, 0),
      bytes: streams.reduce((n, s) => n + s.bytes, 0),
      streams,
    };
  };
  const emitProgress = () => {
    if (!opts.onProgress) return;
    const now = Date.now();
    for (const s of statsByStream.values()) {
      if (s.report.status === "running") opts.onProgress(s.progress(runId, now));
    }
  };

  try {
    throwIfAborted(controller.signal);
    const descriptors = source.discover
      ? await source.discover(controller.signal)
      : (opts.streams ?? []).map((name): StreamDescriptor => ({ name, primaryKey: [] }));
    const byName = new Map(descriptors.map((d) => [d.name, d]));
    const selected = opts.streams ?? descriptors.map((d) => d.name);
    const unknown = selected.filter((s) => !byName.has(s));
    if (unknown.length > 0) {
      throw new ConfigError(
        "stream selection",
        unknown.map((s) => ({
          field: "streams",
          message: `unknown stream "${s}"; ${source.name} offers: ${descriptors.map((d) => d.name).join(", ")}`,
        })),
      );
    }
    for (const name of selected) {
      const d = byName.get(name)!;
      const modes = d.syncModes ?? (d.cursorField ? ["full", "incremental"] : ["full"]);
      const effective: SyncMode =
        syncMode === "incremental" && !modes.includes("incremental") ? "full" : syncMode;
      const stats = new StreamStats(name, effective, writeMode);
      if (effective !== syncMode) {
        stats.warn("incremental_unsupported", `stream ${name} supports only full refresh; read in full`);
      }
      statsByStream.set(name, stats);
    }
    if (opts.onProgress) {
      progressTimer = setInterval(emitProgress, opts.progressIntervalMs);
      progressTimer.unref();
    }

    const limit = pLimit(opts.concurrency);
    const commitOne = async (s: StagedStream) => {
      s.stats.report.commit = await s.writer.commit({ checkpoint: s.checkpoint, stateKey: s.stateKey });
      openWriters.delete(s.writer);
      s.stats.report.status = "committed";
      if (s.checkpoint !== undefined) {
        await stateStore.save(s.stateKey, s.checkpoint, controller.signal);
        s.stats.report.checkpoint = s.checkpoint;
        await source.committed?.(s.descriptor.name, s.checkpoint);
      }
      s.stats.report.durationMs = Date.now() - s.stats.startedAtMs;
      logger.info(
        { stream: s.descriptor.name, records: s.stats.report.records, commit: s.stats.report.commit },
        "stream committed",
      );
    };

    const results = await Promise.allSettled(
      selected.map((name) =>
        limit(async () => {
          const stats = statsByStream.get(name)!;
          const descriptor = byName.get(name)!;
          const s = await stageStream(descriptor, stats);
          if (opts.commit === "per-stream") await commitOne(s);
          else staged.push(s);
        }),
      ),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;

    // Phase 2: every stream is staged; make them visible.
    for (const s of staged) {
      throwIfAborted(controller.signal);
      await commitOne(s);
    }
    const report = buildReport("succeeded");
    logger.info({ runId, records: report.records, durationMs: report.durationMs }, "run succeeded");
    return report;
  } catch (error) {
    if (!controller.signal.aborted) controller.abort(error);
    await Promise.allSettled(
      [...openWriters].map(async (w) => {
        try {
          await w.abort(error);
        } catch (abortError) {
          logger.error({ err: abortError }, "writer abort failed");
        }
      }),
    );
    const cancelled = error instanceof CancelledError || (opts.signal?.aborted ?? false);
    for (const s of statsByStream.values()) {
      if (s.report.status !== "committed" && s.report.status !== "failed") {
        s.report.status = cancelled ? "cancelled" : "aborted";
      }
    }
    const sluiceError =
      cancelled && !(error instanceof SluiceError) ? new CancelledError() : toSluiceError(error);
    const report = buildReport(cancelled ? "cancelled" : "failed");
    logger.error({ runId, err: sluiceError, code: sluiceError.code }, "run failed");
    throw new PipelineError(sluiceError, report);
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    emitProgress();
    opts.signal?.removeEventListener("abort", onAbort);
  }

  async function stageStream(descriptor: StreamDescriptor, stats: StreamStats): Promise<StagedStream> {
    const stateKey = `${prefix}/${descriptor.name}`;
    const streamLogger = logger.child({ stream: descriptor.name });
    stats.startedAtMs = Date.now();
    stats.report.status = "running";
    const state =
      stats.report.syncMode === "incremental"
        ? await stateStore.load(stateKey, controller.signal)
        : undefined;

    for (let attempt = 1; ; attempt++) {
      throwIfAborted(controller.signal);
      stats.report.attempts = attempt;
      stats.report.records = 0;
      stats.report.bytes = 0;
      stats.report.batches = 0;
      const writer = await sink.open(descriptor, {
        mode: writeMode,
        runId,
        runStartedAt: startedAt,
        signal: controller.signal,
        logger: streamLogger,
      });
      openWriters.add(writer);
      try {
        const checkpoint = await pump(descriptor, stats, writer, state, streamLogger);
        stats.report.status = "staged";
        stats.report.durationMs = Date.now() - stats.startedAtMs;
        return { descriptor, stats, writer, checkpoint, stateKey };
      } catch (error) {
        openWriters.delete(writer);
        await writer.abort(error).catch((e) => streamLogger.error({ err: e }, "writer abort failed"));
        const e = toSluiceError(error);
        const canRetry = e.retryable && attempt <= opts.streamRetries && !controller.signal.aborted;
        if (!canRetry) {
          stats.report.status = opts.signal?.aborted
            ? "cancelled"
            : controller.signal.aborted
              ? "aborted"
              : "failed";
          stats.report.error = { code: e.code, message: e.message };
          stats.report.durationMs = Date.now() - stats.startedAtMs;
          throw error;
        }
        stats.retry();
        streamLogger.warn({ err: e, attempt }, "stream failed with a retryable error; restarting it");
        await sleep(Math.min(30_000, 1000 * 2 ** (attempt - 1)), controller.signal);
      }
    }
  }

  async function pump(
    descriptor: StreamDescriptor,
    stats: StreamStats,
    writer: SinkWriter,
    state: Checkpoint | undefined,
    streamLogger: Logger,
  ): Promise<Checkpoint | undefined> {
    const { maxRecords, maxBytes } = opts.batch;
    let buffer: JsonObject[] = [];
    let bufferBytes = 0;
    let checkpoint: Checkpoint | undefined;
    const flush = async () => {
      if (buffer.length === 0) return;
      const batch = buffer;
      const bytes = bufferBytes;
      buffer = [];
      bufferBytes = 0;
      await writer.write(batch);
      stats.report.records += batch.length;
      stats.report.bytes += Math.round(bytes);
      stats.report.batches++;
    };

    const iterable = source.read(descriptor.name, {
      syncMode: stats.report.syncMode,
      state,
      signal: controller.signal,
      logger: streamLogger,
      reporter: stats,
    });
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await nextOrAbort(iterator, controller.signal);
        if (next.done) break;
        const message = next.value;
        if (message.kind === "records") {
          const records = message.records;
          const perRecord = (message.bytes ?? estimateBytes(records)) / Math.max(1, records.length);
          for (const record of records) {
            buffer.push(record);
            bufferBytes += perRecord;
            if (buffer.length >= maxRecords || bufferBytes >= maxBytes) await flush();
          }
        } else if (message.kind === "checkpoint") {
          await flush();
          checkpoint = message.checkpoint;
        } else {
          const { code, reason } = message.letter;
          throw new DataError(`undecodable input (${code}): ${reason}`, { stream: descriptor.name });
        }
        throwIfAborted(controller.signal);
      }
      await flush();
      return checkpoint;
    } catch (error) {
      // stop the source promptly; don't wait for a source that ignores its signal
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      throw error;
    }
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
}

/** Records whose size is measured exactly; above it, an even sample of this many is. */
const SIZE_SAMPLE = 16;

/**
 * Approximate JSON size of a batch: exact for small batches, else extrapolated from an even
 * sample. Serialising every record only to count bytes cost as much CPU as the sinks' own
 * encoding; the estimate bounds batch memory just as well (maxRecords still caps every batch).
 */
export function estimateBytes(records: JsonObject[]): number {
  const n = records.length;
  if (n <= SIZE_SAMPLE) return records.reduce((sum, r) => sum + JSON.stringify(r).length + 1, 0);
  let sampled = 0;
  for (let k = 0; k < SIZE_SAMPLE; k++) {
    sampled += JSON.stringify(records[Math.floor((k * n) / SIZE_SAMPLE)]).length + 1;
  }
  return (sampled / SIZE_SAMPLE) * n;
}

/**
 * The iterator's next result, or a rejection as soon as the signal aborts (a source that ignores
 * its signal cannot hold the run). The abort listener lives for one call only: racing every call
 * against one long-lived promise would make that promise retain every batch (Promise.race leak).
 */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}

/** Sleeps `ms`, rejecting early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
