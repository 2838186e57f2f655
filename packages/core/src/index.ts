export { parseOptions, zodIssues } from "./config.js";
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
export { PipelineError, type PipelineOptions, runPipeline, sleep } from "./runner.js";
export { type ShutdownOptions, shutdownSignal } from "./shutdown.js";
export { FileStateStore, fileStateStore } from "./state/file.js";
export { MemoryStateStore, memoryStateStore } from "./state/memory.js";
export type {
  Checkpoint,
  CommitContext,
  CommitReport,
  JsonObject,
  JsonPrimitive,
  JsonSchema,
  JsonValue,
  OpenOptions,
  ReadOptions,
  Sink,
  SinkWriter,
  Source,
  SourceMessage,
  StateStore,
  StreamDescriptor,
  StreamReporter,
  SyncMode,
  WriteMode,
} from "./types.js";
