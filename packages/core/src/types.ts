/**
 * The Sluice contracts. A Source yields record batches and in-band checkpoints, a Sink lands
 * them through a SinkWriter with one atomic commit, and the runner moves data between them.
 */
import type { Logger } from "./logger.js";

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A record: one JSON object. Values may be `undefined` before serialisation (dropped). */
export type JsonObject = { [key: string]: JsonValue | undefined };
export type JsonSchema = { [key: string]: unknown };

/** Opaque per-stream position, e.g. `{ cursor: 1732200000 }`. Must be JSON-serialisable. */
export type Checkpoint = JsonObject;

/** How the source reads: everything, or only what changed since the saved checkpoint. */
export type SyncMode = "full" | "incremental";
/** How the sink lands: swap the whole target, add to it, or merge by primary key. */
export type WriteMode = "replace" | "append" | "upsert";

export interface StreamDescriptor {
  /** snake_case stream name: "contacts", "conversation_parts", ... */
  name: string;
  /** Fields forming the primary key, e.g. ["id"]. Used by upsert. */
  primaryKey: string[];
  /** Field the incremental cursor follows, e.g. "updated_at". Absent: full refresh only. */
  cursorField?: string;
  /** JSON Schema of a record, discovered (custom attributes included) where the source can. */
  schema?: JsonSchema;
  /** Sync modes this stream supports; defaults to ["full"] (+ "incremental" with cursorField). */
  syncModes?: SyncMode[];
}

/** Per-stream counters a source reports to the runner (for the run report and progress). */
export interface StreamReporter {
  /** One HTTP (or other) call made. */
  call(): void;
  /** One retry of a failed call. */
  retry(reason?: string): void;
  /** The source waited `ms` for a rate limit (pre-throttle or 429). */
  rateLimitWait(ms: number, throttled429?: boolean): void;
  /** A non-fatal issue worth a line in the run report (e.g. a truncated conversation). */
  warn(code: string, message: string, details?: JsonObject): void;
  /** Total records expected, if the source knows it (enables ETA). */
  setTotal(total: number): void;
}

export interface ReadOptions {
  syncMode: SyncMode;
  /** The last committed checkpoint of this stream, if any. */
  state?: Checkpoint | undefined;
  signal: AbortSignal;
  logger: Logger;
  reporter: StreamReporter;
}

export type SourceMessage =
  /** `bytes`: the batch's serialised size when the source knows it cheaply (e.g. response bytes);
   *  otherwise the runner estimates it. */
  { kind: "records"; records: JsonObject[]; bytes?: number } | { kind: "checkpoint"; checkpoint: Checkpoint };

export interface Source {
  readonly name: string;
  /** Auth and reachability, fast. Throws AuthError / ConfigError / TransientError. */
  check(signal?: AbortSignal): Promise<void>;
  discover(signal?: AbortSignal): Promise<StreamDescriptor[]>;
  read(stream: string, options: ReadOptions): AsyncIterable<SourceMessage>;
  /** Called after the sink has durably committed everything up to `checkpoint`. */
  committed?(stream: string, checkpoint: Checkpoint): Promise<void>;
  /** Release connections, timers. */
  close?(): Promise<void>;
}

export interface OpenOptions {
  mode: WriteMode;
  /** Unique id of this run (used for staging names, manifests). */
  runId: string;
  /** When the run started; sinks use it for date-partitioned keys. */
  runStartedAt: Date;
  signal: AbortSignal;
  logger: Logger;
}

export interface CommitContext {
  /** The checkpoint that becomes durable with this commit; a sink may persist it atomically. */
  checkpoint?: Checkpoint | undefined;
  /** Key under which the runner stores the checkpoint (`source/stream`). */
  stateKey: string;
}

export interface CommitReport {
  records: number;
  bytes?: number;
  /** Where the data landed: an S3 URI, a table name. */
  location?: string;
  /** True when the sink stored `ctx.checkpoint` in the same transaction as the data. */
  checkpointPersisted?: boolean;
  details?: JsonObject;
}

export interface SinkWriter {
  /** Stage records. May buffer; the returned promise is back-pressure: await it. */
  write(records: JsonObject[]): Promise<void>;
  /** The one atomic point: everything written becomes visible, or nothing does. */
  commit(ctx: CommitContext): Promise<CommitReport>;
  /** Discard everything staged; the target stays exactly as it was. Idempotent. */
  abort(reason: unknown): Promise<void>;
}

export interface Sink {
  readonly name: string;
  check(signal?: AbortSignal): Promise<void>;
  open(stream: StreamDescriptor, options: OpenOptions): Promise<SinkWriter>;
  close?(): Promise<void>;
}

/** Where committed checkpoints live between runs. */
export interface StateStore {
  load(key: string, signal?: AbortSignal): Promise<Checkpoint | undefined>;
  save(key: string, checkpoint: Checkpoint, signal?: AbortSignal): Promise<void>;
}
