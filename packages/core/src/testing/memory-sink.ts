import { SinkError } from "../errors.js";
import { sleep } from "../runner/util.js";
import {
  type Checkpoint,
  type CommitReport,
  type JsonObject,
  type OpenOptions,
  type Sink,
  type SinkCapabilities,
  type SinkWriter,
  type StreamDescriptor,
  TOMBSTONE_FIELD,
  type WriteMode,
} from "../types.js";

export interface MemorySinkOptions {
  name?: string;
  /** What the sink claims; default every write mode and continuous delivery. */
  capabilities?: SinkCapabilities;
  /** Throw from `write()` once this many records have been written to one writer. */
  failOnWriteAfter?: number;
  /** Throw from `commit()` (all streams, or the named ones). */
  failOnCommit?: boolean | string[];
  /** Fault injection per commit (1-based count across the sink): return an error to throw it. */
  commitFault?: (info: { stream: string; commit: number; records: number }) => Error | undefined;
  /** Delay inside every `write()`, in ms: a slow sink. */
  writeDelayMs?: number;
  /** Delay inside every `commit()`, in ms: a slow sink. */
  commitDelayMs?: number;
  /** Store `ctx.checkpoint` with the data in the same commit (`checkpoints`), like a SQL sink's state table. */
  persistCheckpoint?: boolean;
  /** Called on every write with the batch (e.g. to sample memory). */
  onWrite?: (stream: string, records: JsonObject[]) => void;
}

export type SinkEvent =
  | { op: "open"; stream: string; mode: WriteMode; delivery: "batch" | "continuous" }
  | { op: "write"; stream: string; records: number }
  | { op: "commit"; stream: string; records: number; checkpoint?: unknown }
  | { op: "abort"; stream: string }
  | { op: "close"; stream: string };

export interface MemorySink extends Sink {
  /** Committed (visible) data per stream. */
  readonly tables: Map<string, JsonObject[]>;
  /** Checkpoints committed with the data (`persistCheckpoint`), by state key. */
  readonly checkpoints: Map<string, Checkpoint>;
  /** Ordered log of sink operations. */
  readonly events: SinkEvent[];
  /** Writers opened and neither finished (batch commit, close) nor aborted. */
  openWriters(): number;
  /** The most writers that were open at once. */
  maxConcurrentWriters(): number;
}

function keyOf(record: JsonObject, primaryKey: string[]): string {
  return JSON.stringify(primaryKey.map((k) => record[k] ?? null));
}

/**
 * An in-memory Sink honouring replace/append/upsert (tombstones delete by primary key), batch
 * and continuous delivery (a long-lived writer committing repeatedly), with fault injection.
 */
export function memorySink(options: MemorySinkOptions = {}): MemorySink {
  const tables = new Map<string, JsonObject[]>();
  const checkpoints = new Map<string, Checkpoint>();
  const events: SinkEvent[] = [];
  const counters = { open: 0, peak: 0, commits: 0 };
  const sink: MemorySink = {
    name: options.name ?? "memory",
    capabilities: options.capabilities ?? { writeModes: ["replace", "append", "upsert"], continuous: true },
    tables,
    checkpoints,
    events,
    openWriters: () => counters.open,
    maxConcurrentWriters: () => counters.peak,
    async check() {},
    async open(stream: StreamDescriptor, opts: OpenOptions): Promise<SinkWriter> {
      const delivery = opts.delivery ?? "batch";
      if (delivery === "continuous" && !sink.capabilities?.continuous) {
        throw new SinkError(`${sink.name} does not offer continuous delivery`);
      }
      events.push({ op: "open", stream: stream.name, mode: opts.mode, delivery });
      counters.open++;
      counters.peak = Math.max(counters.peak, counters.open);
      const w = new MemoryWriter(stream, opts, delivery, { options, tables, checkpoints, events, counters });
      // plain functions, so tests can wrap or pass them around unbound
      return {
        write: (records) => w.write(records),
        commit: (ctx) => w.commit(ctx),
        abort: () => w.abort(),
        close: () => w.close(),
      };
    },
  };
  return sink;
}

interface Shared {
  options: MemorySinkOptions;
  tables: Map<string, JsonObject[]>;
  checkpoints: Map<string, Checkpoint>;
  events: SinkEvent[];
  counters: { open: number; peak: number; commits: number };
}

class MemoryWriter implements SinkWriter {
  private staged: JsonObject[] = [];
  private done = false;
  constructor(
    private readonly stream: StreamDescriptor,
    private readonly opts: OpenOptions,
    private readonly delivery: "batch" | "continuous",
    private readonly shared: Shared,
  ) {}

  async write(records: JsonObject[]): Promise<void> {
    const { options, events } = this.shared;
    if (this.done) throw new SinkError(`writer for ${this.stream.name} is closed`);
    if (options.writeDelayMs) await sleep(options.writeDelayMs, this.opts.signal);
    options.onWrite?.(this.stream.name, records);
    for (const r of records) this.staged.push(structuredClone(r));
    events.push({ op: "write", stream: this.stream.name, records: records.length });
    if (options.failOnWriteAfter !== undefined && this.staged.length >= options.failOnWriteAfter) {
      throw new SinkError(`injected write failure after ${this.staged.length} records`);
    }
  }

  async commit(ctx: Parameters<SinkWriter["commit"]>[0]): Promise<CommitReport> {
    const { options, tables, checkpoints, events, counters } = this.shared;
    const name = this.stream.name;
    if (this.done) throw new SinkError(`writer for ${name} is closed`);
    if (options.commitDelayMs) await sleep(options.commitDelayMs, this.opts.signal);
    const fail = options.failOnCommit;
    if (fail === true || (Array.isArray(fail) && fail.includes(name))) {
      throw new SinkError(`injected commit failure for ${name}`);
    }
    const injected = options.commitFault?.({
      stream: name,
      commit: counters.commits + 1,
      records: this.staged.length,
    });
    counters.commits++;
    if (injected) throw injected;
    tables.set(name, this.merge(tables.get(name) ?? []));
    const persisted = options.persistCheckpoint === true && ctx.checkpoint !== undefined;
    if (persisted) checkpoints.set(ctx.stateKey, structuredClone(ctx.checkpoint!));
    events.push({ op: "commit", stream: name, records: this.staged.length, checkpoint: ctx.checkpoint });
    const records = this.staged.length;
    this.staged = [];
    if (this.delivery === "batch") this.finish();
    return { records, location: `memory://${name}`, ...(persisted ? { checkpointPersisted: true } : {}) };
  }

  private merge(current: JsonObject[]): JsonObject[] {
    const pk = this.stream.primaryKey;
    if (this.opts.mode === "replace") return this.staged.filter((r) => r[TOMBSTONE_FIELD] !== true);
    if (this.opts.mode === "append") return [...current, ...this.staged];
    const merged = new Map(current.map((r) => [keyOf(r, pk), r]));
    for (const r of this.staged) {
      if (r[TOMBSTONE_FIELD] === true) merged.delete(keyOf(r, pk));
      else merged.set(keyOf(r, pk), r);
    }
    return [...merged.values()];
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.staged = [];
    this.finish();
    this.shared.events.push({ op: "abort", stream: this.stream.name });
  }

  async close(): Promise<void> {
    if (this.done) return;
    if (this.staged.length > 0)
      throw new SinkError(`writer for ${this.stream.name} closed with uncommitted records`);
    this.finish();
    this.shared.events.push({ op: "close", stream: this.stream.name });
  }

  private finish(): void {
    this.done = true;
    this.shared.counters.open--;
  }
}
