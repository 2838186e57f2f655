import { redact } from "./redact.js";
import type { JsonObject } from "./types.js";

export type ErrorCode =
  | "config_invalid"
  | "auth_failed"
  | "rate_limited"
  | "transient"
  | "data_invalid"
  | "sink_failed"
  | "source_failed"
  | "cancelled"
  | "http_error"
  | "pipeline_failed"
  | (string & {});

export interface SluiceErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  details?: JsonObject;
}

/**
 * Base of every error Sluice throws. `code` is stable (match on it, not on the message);
 * `retryable` says whether the same operation may succeed if tried again. Messages are
 * redacted at construction, so secrets never reach logs through an error.
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: JsonObject;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): JsonObject {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

export interface ConfigIssue {
  /** Dotted path of the field, e.g. "bucket_name" or "batch.maxRecords". */
  field: string;
  message: string;
}

/** Invalid configuration. Lists every invalid field, not just the first. */
export class ConfigError extends SluiceError {
  readonly issues: ConfigIssue[];
  constructor(subject: string, issues: ConfigIssue[], options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    const list = issues.map((i) => `  - ${i.field || "(root)"}: ${i.message}`).join("\n");
    super("config_invalid", `Invalid ${subject}: ${issues.length} problem(s)\n${list}`, {
      ...options,
      retryable: false,
      details: { ...options.details, issues: issues.map((i) => ({ ...i })) },
    });
    this.issues = issues;
  }
}

/** Credentials rejected or insufficient. Never retried. The message says what to check. */
export class AuthError extends SluiceError {
  constructor(message: string, options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    super("auth_failed", message, { ...options, retryable: false });
  }
}

/** The remote rate limit was hit; `retryAfterMs` says when to try again. */
export class RateLimitError extends SluiceError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    super("rate_limited", message, { ...options, retryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/** A failure that may go away: 5xx, connection reset, timeout, truncated body. */
export class TransientError extends SluiceError {
  constructor(message: string, options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    super("transient", message, { ...options, retryable: true });
  }
}

export interface DataLocation {
  stream?: string;
  /** Object key or file name. */
  key?: string;
  /** 1-based line number in a text format. */
  line?: number;
  /** Byte offset or record index where the line is not meaningful. */
  position?: number;
  recordId?: string;
  field?: string;
}

/** Bad data. Names where: stream, object key, line, record id, field. */
export class DataError extends SluiceError {
  readonly location: DataLocation;
  constructor(message: string, location: DataLocation, options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    const where = Object.entries(location)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" ");
    super("data_invalid", where ? `${message} (${where})` : message, {
      ...options,
      retryable: false,
      details: { ...options.details, ...(location as JsonObject) },
    });
    this.location = location;
  }
}

/** The destination failed to stage or commit. */
export class SinkError extends SluiceError {
  constructor(message: string, options: SluiceErrorOptions = {}) {
    super("sink_failed", message, options);
  }
}

/** The run was cancelled (AbortSignal / SIGTERM). */
export class CancelledError extends SluiceError {
  constructor(message = "Run cancelled", options: Omit<SluiceErrorOptions, "retryable"> = {}) {
    super("cancelled", message, { ...options, retryable: false });
  }
}

const TRANSIENT_NET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True for errors worth retrying: retryable SluiceErrors and network-level failures. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof SluiceError) return error.retryable;
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_NET_CODES.has(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === "TimeoutError") return true;
    if (
      name === "TypeError" &&
      /fetch failed|terminated|other side closed/i.test(String((e as Error).message))
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Wraps anything thrown into a SluiceError, keeping the original as `cause`. */
export function toSluiceError(error: unknown, fallbackCode: ErrorCode = "pipeline_failed"): SluiceError {
  if (error instanceof SluiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isRetryable(error)) return new TransientError(message, { cause: error });
  return new SluiceError(fallbackCode, message, { cause: error });
}
