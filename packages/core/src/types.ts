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
  /**
   * How the data should be laid out in a tabular target, supplied by whoever knows the data
   * (the source, or the user). Sinks that do not understand it ignore it; a sink never needs a
   * source's names to land a stream.
   */
  layout?: TableLayout;
}

/** A tabular layout for a stream: table name, column mapping, child tables. Pure data. */
export interface TableLayout {
  /** Target table (or collection/object base name); default: the stream name. */
  table?: string;
  /** Column definitions; when absent, columns are derived from `schema`. */
  columns?: LayoutColumn[];
  /** Keep the whole record in a `raw` JSON column. Default true. */
  raw?: boolean;
  /** Add a `_synced_at` column set at load time. Default false. */
  syncedAt?: boolean;
  /** Child tables filled from an array field of each record, swapped together with the parent. */
  children?: ChildTableLayout[];
}

export interface LayoutColumn {
  /** Column name in the target. */
  name: string;
  /** Dotted path in the record (default: `name`). */
  path?: string;
  /** Logical type; the sink's dialect maps it to a physical type. */
  type: "string" | "text" | "integer" | "number" | "boolean" | "timestamp" | "json";
  /** For `timestamp`: the record holds unix seconds (default) or an ISO string. */
  timestampFormat?: "unix-seconds" | "unix-ms" | "iso";
  /** Max length for `string` (default 255). */
  maxLength?: number;
  nullable?: boolean;
  /** Part of the primary key of the table. */
  key?: boolean;
}

export interface ChildTableLayout extends Omit<TableLayout, "children"> {
  table: string;
  /** Dotted path of the array in the parent record whose items become rows. */
  path: string;
  /** Columns copied from the parent into each child row (e.g. `{ name: "conversation_id", path: "id" }`). */
  parentColumns: LayoutColumn[];
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
  /** `count` records were delivered again (a broker redelivery after a crash or reconnect). */
  redelivered?(count: number): void;
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
  | { kind: "records"; records: JsonObject[]; bytes?: number }
  /** Everything yielded before this message becomes durable (and ackable) with the next commit. */
  | { kind: "checkpoint"; checkpoint: Checkpoint }
  /** Input the source could not decode: routed to the dead-letter target, never dropped. */
  | { kind: "dead-letter"; letter: DeadLetterInput };

/** A record or payload that cannot be landed, with why and where it came from. */
export interface DeadLetterInput {
  /** Stable machine code, e.g. `invalid_json`, `schema_violation`. */
  code: string;
  /** Human reason; names fields and ids, never personal values. */
  reason: string;
  /** The original payload: raw text when it could not be decoded, else the record. */
  payload: string | JsonValue;
  /** Source metadata: message id, destination, update id, headers... */
  metadata?: JsonObject;
}

export interface DeadLetter extends DeadLetterInput {
  stream: string;
  /** ISO time the runner routed it. */
  at: string;
}

/** How a continuous source wants to be driven. */
export interface ContinuousHints {
  /**
   * The most records the source can hold delivered-but-unacknowledged (a broker's prefetch, a
   * poll window). The runner never lets more than this be outstanding; a batch larger than it
   * is a ConfigError.
   */
  maxUnacked?: number;
}

export interface Source {
  readonly name: string;
  /** Auth and reachability, fast. Throws AuthError / ConfigError / TransientError. */
  check?(signal?: AbortSignal): Promise<void>;
  /** The streams offered. Absent: the runner needs `streams` given explicitly (each `{ name, primaryKey: [] }`). */
  discover?(signal?: AbortSignal): Promise<StreamDescriptor[]>;
  read(stream: string, options: ReadOptions): AsyncIterable<SourceMessage>;
  /**
   * Called after the sink has durably committed everything yielded up to and including
   * `checkpoint` (cumulative: a source acknowledges every message up to that point), in order,
   * once per commit. Brokers ack here, never earlier.
   */
  committed?(stream: string, checkpoint: Checkpoint): Promise<void>;
  /**
   * The source's own dead-letter mechanism (e.g. a DLQ destination), used when the runner's
   * `deadLetter` option is `"source"`. Must resolve only once the letter is durable.
   */
  deadLetter?(letter: DeadLetter): Promise<void>;
  /** Present on unbounded sources. */
  continuous?: ContinuousHints;
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
  /**
   * `batch` (default): one write…commit, then the writer is done.
   * `continuous`: the writer is long-lived: write…commit repeats once per micro-batch (each
   * commit atomic and cheap: a transaction, one object), then `close()`. Only offered to sinks
   * whose `capabilities.continuous` is true.
   */
  delivery?: "batch" | "continuous";
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
  /** Discard everything staged since the last commit; committed data stays. Idempotent. */
  abort(reason: unknown): Promise<void>;
  /** Continuous delivery: release the writer after its last commit. */
  close?(): Promise<void>;
}

/** What a sink can do; the runner derives defaults (write mode) and refuses impossible runs. */
export interface SinkCapabilities {
  /** Write modes the sink supports, preferred first. Absent: all three. */
  writeModes?: WriteMode[];
  /** Long-lived writers with repeated cheap commits (continuous delivery). */
  continuous?: boolean;
  /** Writers the sink can hold open at once (a connection pool). Absent: unbounded. */
  maxOpenWriters?: number;
}

export interface Sink {
  readonly name: string;
  check?(signal?: AbortSignal): Promise<void>;
  open(stream: StreamDescriptor, options: OpenOptions): Promise<SinkWriter>;
  capabilities?: SinkCapabilities;
  close?(): Promise<void>;
}

/** Where committed checkpoints live between runs. */
export interface StateStore {
  load(key: string, signal?: AbortSignal): Promise<Checkpoint | undefined>;
  save(key: string, checkpoint: Checkpoint, signal?: AbortSignal): Promise<void>;
}

/** A source that can check its connection and discover its streams (what factories return). */
export interface DiscoverableSource extends Source {
  check(signal?: AbortSignal): Promise<void>;
  discover(signal?: AbortSignal): Promise<StreamDescriptor[]>;
}

/** A sink with a reachability check (what factories return). */
export interface CheckedSink extends Sink {
  check(signal?: AbortSignal): Promise<void>;
}

/**
 * A record with this field set to `true` is a tombstone: in `upsert` mode a sink deletes the
 * row with that record's primary key (and its child rows) in the same atomic commit as the
 * batch's upserts, instead of writing it. Sources and apps emit tombstones for deletions.
 */
export const TOMBSTONE_FIELD = "_sluice_deleted";
