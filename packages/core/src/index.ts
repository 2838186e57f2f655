export { parseOptions, zodIssues } from "./config.js";
export type { ContinuousPipelineOptions, RecordTransform } from "./continuous-options.js";
export {
  AuthError,
  CancelledError,
  ConfigError,
  type ConfigIssue,
  DataError,
  type DataLocation,
  type ErrorCode,
  isRetryable,
  RateLimitError,
  SinkError,
  SluiceError,
  type SluiceErrorOptions,
  TransientError,
  toSluiceError,
} from "./errors.js";
export * from "./http/index.js";
export { createLogger, type Logger, type LoggerOptions, silentLogger } from "./logger.js";
export { REDACTED, redact, redactValue, registerSecret } from "./redact.js";
export type { ProgressEvent, RunReport, RunWarning, StreamReport, StreamStatus } from "./report.js";
export {
  type Clock,
  DEAD_LETTER_STREAM,
  PipelineError,
  type PipelineOptions,
  realClock,
  runContinuous,
  runPipeline,
  sleep,
} from "./runner.js";
export { type ShutdownOptions, shutdownSignal } from "./shutdown.js";
export { FileStateStore, fileStateStore } from "./state/file.js";
export { MemoryStateStore, memoryStateStore } from "./state/memory.js";
export type {
  CheckedSink,
  Checkpoint,
  ChildTableLayout,
  CommitContext,
  CommitReport,
  ContinuousHints,
  DeadLetter,
  DeadLetterInput,
  DiscoverableSource,
  JsonObject,
  JsonPrimitive,
  JsonSchema,
  JsonValue,
  LayoutColumn,
  OpenOptions,
  ReadOptions,
  Sink,
  SinkCapabilities,
  SinkWriter,
  Source,
  SourceMessage,
  StateStore,
  StreamDescriptor,
  StreamReporter,
  SyncMode,
  TableLayout,
  WriteMode,
} from "./types.js";
export { TOMBSTONE_FIELD } from "./types.js";
