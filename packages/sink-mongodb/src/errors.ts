import { SinkError, TransientError } from "@sluice/core";
import { MongoError, MongoNetworkError, MongoServerSelectionError } from "mongodb";

/** Server codes that mean "try again" (primary stepped down, shutting down, network hiccups). */
const RETRYABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 50]);

export function isRetryableMongoError(error: unknown): boolean {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (!(error instanceof MongoError)) return false;
  if (error.hasErrorLabel("RetryableWriteError") || error.hasErrorLabel("TransientTransactionError"))
    return true;
  const code = typeof error.code === "number" ? error.code : undefined;
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** Wraps a driver error: TransientError when a retry may succeed, else SinkError; cause kept. */
export function toSinkError(error: unknown, what: string): SinkError | TransientError {
  if (error instanceof SinkError || error instanceof TransientError) return error;
  const code = error instanceof MongoError ? ` (code ${String(error.code ?? error.name)})` : "";
  const message = `${what} failed${code}: ${error instanceof Error ? error.message : String(error)}`;
  if (isRetryableMongoError(error)) return new TransientError(message, { cause: error });
  return new SinkError(message, { cause: error });
}
