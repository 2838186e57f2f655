import { SinkError } from "../errors.js";
import { sleep } from "../runner.js";
import type {
  CommitReport,
  JsonObject,
  OpenOptions,
  Sink,
  SinkWriter,
  StreamDescriptor,
  WriteMode,
} from "../types.js";

export interface MemorySinkOptions {
  name?: string;
  /** Throw from `write()` once this many records have been written to one writer. */
  failOnWriteAfter?: number;
  /** Throw from `commit()` (all streams, or the named ones). */
  failOnCommit?: boolean | string[];
  /** Delay inside every `write()`, in ms: a slow sink. */
  writeDelayMs?: number;
  /** Called on every write with the batch (e.g. to sample memory). */
  onWrite?: (stream: string, records: JsonObject[]) => void;
}

export type SinkEvent =
  | { op: "open"; stream: string; mode: WriteMode }
  | { op: "write"; stream: string; records: number }
  | { op: "commit"; stream: string; records: number; checkpoint?: unknown }
  | { op: "abort"; stream: string };

export interface MemorySink extends Sink {
  /** Committed (visible) data per stream. */
  readonly tables: Map<string, JsonObject[]>;
  /** Ordered log of sink operations. */
  readonly events: SinkEvent[];
  /** Writers opened and neither committed nor aborted. */
  openWriters(): number;
}

function keyOf(record: JsonObject, primaryKey: string[]): string {
  return JSON.stringify(primaryKey.map((k) => record[k] ?? null));
}

/** An in-memory Sink honouring replace/append/upsert, with fault injection. */
export function memorySink(options: MemorySinkOptions = {}): MemorySink {
  const tables = new Map<string, JsonObject[]>();
  const events: SinkEvent[] = [];
  let open = 0;

  return {
    name: options.name ?? "memory",
    tables,
    events,
    openWriters: () => open,
    async check() {},
    async open(stream: StreamDescriptor, opts: OpenOptions): Promise<SinkWriter> {
      events.push({ op: "open", stream: stream.name, mode: opts.mode });
      open++;
      let staged: JsonObject[] = [];
      let done = false;
      return {
        async write(records) {
          if (done) throw new SinkError(`writer for ${stream.name} is closed`);
          if (options.writeDelayMs) await sleep(options.writeDelayMs, opts.signal);
          options.onWrite?.(stream.name, records);
          staged.push(...records.map((r) => structuredClone(r)));
          events.push({ op: "write", stream: stream.name, records: records.length });
          if (options.failOnWriteAfter !== undefined && staged.length >= options.failOnWriteAfter) {
            throw new SinkError(`injected write failure after ${staged.length} records`);
          }
        },
        async commit(ctx): Promise<CommitReport> {
          if (done) throw new SinkError(`writer for ${stream.name} is closed`);
          const fail = options.failOnCommit;
          if (fail === true || (Array.isArray(fail) && fail.includes(stream.name))) {
            throw new SinkError(`injected commit failure for ${stream.name}`);
          }
          const current = tables.get(stream.name) ?? [];
          let next: JsonObject[];
          if (opts.mode === "replace") next = staged;
          else if (opts.mode === "append") next = [...current, ...staged];
          else {
            const merged = new Map(current.map((r) => [keyOf(r, stream.primaryKey), r]));
            for (const r of staged) merged.set(keyOf(r, stream.primaryKey), r);
            next = [...merged.values()];
          }
          tables.set(stream.name, next);
          events.push({
            op: "commit",
            stream: stream.name,
            records: staged.length,
            checkpoint: ctx.checkpoint,
          });
          const records = staged.length;
          staged = [];
          done = true;
          open--;
          return { records, location: `memory://${stream.name}` };
        },
        async abort() {
          if (done) return;
          staged = [];
          done = true;
          open--;
          events.push({ op: "abort", stream: stream.name });
        },
      };
    },
  };
}
