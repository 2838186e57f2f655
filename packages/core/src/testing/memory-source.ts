import { TransientError } from "../errors.js";
import { sleep } from "../runner.js";
import type {
  Checkpoint,
  JsonObject,
  ReadOptions,
  Source,
  SourceMessage,
  StreamDescriptor,
} from "../types.js";

export interface MemoryStreamSpec {
  /** Records to emit, or a count of generated records `{ id, name, updated_at, payload }`. */
  records: JsonObject[] | number;
  primaryKey?: string[];
  /** Enables incremental reads: records with cursor > saved checkpoint are emitted. */
  cursorField?: string;
  /** Records per emitted batch. Default 100. */
  batchSize?: number;
  /** Emit a checkpoint after every N records (and always at the end). Default: only at the end. */
  checkpointEvery?: number;
  /** Throw after emitting this many records (fault injection). */
  failAfter?: number;
  /** The error thrown by `failAfter`; default a retryable TransientError. */
  failWith?: () => Error;
  /** Fail only on the first N attempts of this stream, then succeed. Default: every attempt. */
  failAttempts?: number;
  /** Delay before each batch, in ms (respects the abort signal). */
  delayMs?: number;
  /** Ignore the abort signal (to prove the runner stops anyway). */
  ignoreSignal?: boolean;
  /** Known total, reported for ETA. */
  reportTotal?: boolean;
}

export interface MemorySourceOptions {
  name?: string;
  streams: Record<string, MemoryStreamSpec>;
}

export interface MemorySource extends Source {
  /** Records emitted so far per stream (across attempts). */
  readonly emitted: Map<string, number>;
  /** Every `committed()` call, in order. */
  readonly committedCalls: Array<{ stream: string; checkpoint: Checkpoint }>;
  /** Every `read()` call with the state it was given. */
  readonly reads: Array<{ stream: string; state: Checkpoint | undefined; syncMode: string }>;
}

/** Generates `{ id, name, updated_at, payload }` records; ids "r1".."rN", updated_at 1000+i. */
export function generateRecords(count: number, offset = 0): JsonObject[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i + 1;
    return { id: `r${n}`, name: `record ${n} ✓`, updated_at: 1000 + n, payload: { n, even: n % 2 === 0 } };
  });
}

/** An in-memory Source with fault injection, for unit tests of the runner and of sinks. */
export function memorySource(options: MemorySourceOptions): MemorySource {
  const emitted = new Map<string, number>();
  const committedCalls: MemorySource["committedCalls"] = [];
  const reads: MemorySource["reads"] = [];
  const attempts = new Map<string, number>();

  const descriptors: StreamDescriptor[] = Object.entries(options.streams).map(([name, spec]) => ({
    name,
    primaryKey: spec.primaryKey ?? ["id"],
    ...(spec.cursorField ? { cursorField: spec.cursorField } : {}),
  }));

  async function* read(stream: string, opts: ReadOptions): AsyncGenerator<SourceMessage> {
    const spec = options.streams[stream];
    if (!spec) throw new Error(`unknown stream ${stream}`);
    reads.push({ stream, state: opts.state, syncMode: opts.syncMode });
    const attempt = (attempts.get(stream) ?? 0) + 1;
    attempts.set(stream, attempt);
    let records = typeof spec.records === "number" ? generateRecords(spec.records) : spec.records;
    const cursor = spec.cursorField;
    const since = opts.state?.cursor;
    if (opts.syncMode === "incremental" && cursor && typeof since === "number") {
      records = records.filter((r) => typeof r[cursor] === "number" && (r[cursor] as number) > since);
    }
    if (spec.reportTotal) opts.reporter.setTotal(records.length);
    const batchSize = spec.batchSize ?? 100;
    const failing =
      spec.failAfter !== undefined && (spec.failAttempts === undefined || attempt <= spec.failAttempts);
    let sent = 0;
    let maxCursor = typeof since === "number" ? since : undefined;
    let sinceCheckpoint = 0;
    for (let i = 0; i < records.length; i += batchSize) {
      if (!spec.ignoreSignal && opts.signal.aborted) throw opts.signal.reason;
      if (spec.delayMs) await sleep(spec.delayMs, spec.ignoreSignal ? undefined : opts.signal);
      let batch = records.slice(i, i + batchSize);
      if (failing && sent + batch.length > spec.failAfter!) batch = batch.slice(0, spec.failAfter! - sent);
      if (batch.length > 0) {
        opts.reporter.call();
        yield { kind: "records", records: batch };
        sent += batch.length;
        sinceCheckpoint += batch.length;
        emitted.set(stream, (emitted.get(stream) ?? 0) + batch.length);
        if (cursor) {
          for (const r of batch) {
            const v = r[cursor];
            if (typeof v === "number" && (maxCursor === undefined || v > maxCursor)) maxCursor = v;
          }
        }
      }
      if (failing && sent >= spec.failAfter!) {
        throw spec.failWith ? spec.failWith() : new TransientError(`injected failure after ${sent} records`);
      }
      if (spec.checkpointEvery && sinceCheckpoint >= spec.checkpointEvery && maxCursor !== undefined) {
        sinceCheckpoint = 0;
        yield { kind: "checkpoint", checkpoint: { cursor: maxCursor } };
      }
    }
    if (failing && spec.failAfter === 0)
      throw spec.failWith ? spec.failWith() : new TransientError("injected failure");
    if (cursor && maxCursor !== undefined) yield { kind: "checkpoint", checkpoint: { cursor: maxCursor } };
  }

  return {
    name: options.name ?? "memory",
    emitted,
    committedCalls,
    reads,
    async check() {},
    async discover() {
      return descriptors;
    },
    read,
    async committed(stream, checkpoint) {
      committedCalls.push({ stream, checkpoint });
    },
  };
}
