import type { Checkpoint, CommitReport, JsonObject, StreamReporter } from "./types.js";

export type StreamStatus =
  | "pending"
  | "running"
  | "staged"
  | "committed"
  | "failed"
  | "aborted"
  | "cancelled";

export interface RunWarning {
  code: string;
  message: string;
  details?: JsonObject;
}

export interface StreamReport {
  stream: string;
  status: StreamStatus;
  syncMode: "full" | "incremental";
  writeMode: "replace" | "append" | "upsert";
  records: number;
  /** JSON bytes of the records moved: as the source reported them, else estimated from samples. */
  bytes: number;
  batches: number;
  durationMs: number;
  /** Calls the source made (HTTP requests etc.). */
  calls: number;
  retries: number;
  /** Whole-stream attempts (1 unless a retryable failure restarted the stream). */
  attempts: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  throttled429: number;
  total?: number;
  checkpoint?: Checkpoint;
  commit?: CommitReport;
  warnings: RunWarning[];
  error?: { code: string; message: string };
  /** Commits made (continuous delivery, or a batch read committing every N checkpoints). */
  commits?: number;
  /** Records routed to the dead-letter target. */
  deadLetters?: number;
  /** Records the source reported as delivered again (after a crash or reconnect). */
  redeliveries?: number;
  /** Continuous delivery: records committed per second over the stream's run. */
  recordsPerSecond?: number;
  /** Continuous delivery: commit latency percentiles (sink commit + state save + ack), in ms. */
  commitLatencyMs?: { p50: number; p99: number };
  /** Continuous delivery: age of the oldest unacknowledged record at report time, and its maximum. */
  lagMs?: number;
  maxLagMs?: number;
}

export interface RunReport {
  runId: string;
  source: string;
  sink: string;
  status: "succeeded" | "failed" | "cancelled";
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  records: number;
  bytes: number;
  streams: StreamReport[];
  /** Continuous delivery: the run ended by a graceful drain (signal, or idle source). */
  drained?: boolean;
  /** Dead letters routed, all streams. */
  deadLetters?: number;
}

export interface ProgressEvent {
  runId: string;
  stream: string;
  status: StreamStatus;
  records: number;
  bytes: number;
  elapsedMs: number;
  /** Records per second over the stream so far. */
  rate: number;
  total?: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds?: number;
}

/** Mutable per-stream counters behind a StreamReport; also the StreamReporter given to sources. */
export class StreamStats implements StreamReporter {
  readonly report: StreamReport;
  startedAtMs = 0;

  constructor(stream: string, syncMode: StreamReport["syncMode"], writeMode: StreamReport["writeMode"]) {
    this.report = {
      stream,
      status: "pending",
      syncMode,
      writeMode,
      records: 0,
      bytes: 0,
      batches: 0,
      durationMs: 0,
      calls: 0,
      retries: 0,
      attempts: 0,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
      throttled429: 0,
      warnings: [],
    };
  }

  call(): void {
    this.report.calls++;
  }
  retry(): void {
    this.report.retries++;
  }
  rateLimitWait(ms: number, throttled429 = false): void {
    this.report.rateLimitWaits++;
    this.report.rateLimitWaitMs += Math.max(0, Math.round(ms));
    if (throttled429) this.report.throttled429++;
  }
  warn(code: string, message: string, details?: JsonObject): void {
    // keep reports bounded: the first 100 warnings in full, then a count
    if (this.report.warnings.length < 100)
      this.report.warnings.push({ code, message, ...(details ? { details } : {}) });
    else if (this.report.warnings.length === 100)
      this.report.warnings.push({ code: "warnings_truncated", message: "further warnings omitted" });
  }
  setTotal(total: number): void {
    this.report.total = total;
  }
  redelivered(count: number): void {
    this.report.redeliveries = (this.report.redeliveries ?? 0) + count;
  }

  progress(runId: string, now: number): ProgressEvent {
    const elapsedMs = this.startedAtMs ? now - this.startedAtMs : 0;
    const rate = elapsedMs > 0 ? (this.report.records / elapsedMs) * 1000 : 0;
    const event: ProgressEvent = {
      runId,
      stream: this.report.stream,
      status: this.report.status,
      records: this.report.records,
      bytes: this.report.bytes,
      elapsedMs,
      rate: Math.round(rate * 10) / 10,
    };
    if (this.report.total !== undefined) {
      event.total = this.report.total;
      if (rate > 0)
        event.etaSeconds = Math.max(0, Math.round((this.report.total - this.report.records) / rate));
    }
    return event;
  }
}

/** The run report from every stream's counters. */
export function buildRunReport(
  run: { runId: string; source: string; sink: string; startedAt: Date },
  stats: Iterable<StreamStats>,
  status: RunReport["status"],
): RunReport {
  const finished = new Date();
  const streams = [...stats].map((s) => ({ ...s.report }));
  const report: RunReport = {
    runId: run.runId,
    source: run.source,
    sink: run.sink,
    status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - run.startedAt.getTime(),
    records: streams.reduce((n, s) => n + s.records, 0),
    bytes: streams.reduce((n, s) => n + s.bytes, 0),
    streams,
  };
  const deadLetters = streams.reduce((n, s) => n + (s.deadLetters ?? 0), 0);
  if (streams.some((s) => s.deadLetters !== undefined)) report.deadLetters = deadLetters;
  return report;
}
