import type { Logger } from "./logger.js";
import type { ProgressEvent } from "./report.js";
import type { Clock } from "./runner/clock.js";
import type { JsonObject, Sink, Source, StateStore, StreamDescriptor, WriteMode } from "./types.js";

/**
 * Per-record processing before the sink (parse, validate, enrich). Throwing a `DataError`
 * turns the record into a dead letter (reason = the error's message); any other error fails
 * the run with the micro-batch unacknowledged.
 */
export type RecordTransform = (record: JsonObject, stream: string) => JsonObject;

/** Options of `runContinuous`: an unbounded source, micro-batch commits, ack after commit. */
export interface ContinuousPipelineOptions {
  source: Source;
  sink: Sink;
  /** Streams to run (each read concurrently, each with its own commit loop). Default: discovered. */
  streams?: string[];
  /** Descriptors for sources without `discover`, or to override what the source discovered. */
  descriptors?: StreamDescriptor[];
  /** Default: the sink's preferred idempotent mode (`upsert` where supported, else `append`). */
  writeMode?: WriteMode;
  stateStore?: StateStore;
  stateKeyPrefix?: string;
  /** Micro-batch cut: whichever comes first. Defaults 500 records, 4 MiB, 1000 ms. */
  batch?: { maxRecords?: number; maxBytes?: number; maxLatencyMs?: number };
  transform?: RecordTransform;
  /** Where dead letters go: the source's own mechanism, or another sink (append). Default: fail the run. */
  deadLetter?: "source" | { sink: Sink; stream?: string };
  /** Retries of a micro-batch whose commit failed with a retryable error (backoff). Default 5. */
  commitRetries?: number;
  /** First retry delay; doubles per retry, at most 30 s. Default 500 ms. */
  commitBackoffMs?: number;
  /** On abort/SIGTERM: time allowed to commit what is staged before the open batch is aborted. Default 30 s. */
  drainTimeoutMs?: number;
  /** Stop (drain, exit cleanly) after the source has yielded nothing for this long. Default: never. */
  exitWhenIdleMs?: number;
  /** An info summary line every N ms. Default 60 s. */
  summaryIntervalMs?: number;
  /** Aborting it drains the run: stop pulling, commit what is checkpointed, acknowledge, close. */
  signal?: AbortSignal;
  /** Aborting it aborts the open micro-batch at once (a second SIGTERM); nothing half-lands. */
  forceSignal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** Called after every commit (after checkpoint save and ack). */
  onCommit?: (event: { stream: string; records: number; deadLetters: number; latencyMs: number }) => void;
  runId?: string;
  /** Time source for batch timers, idle detection and backoff (tests inject a manual clock). */
  clock?: Clock;
}
