import { AuthError, ConfigError, SinkError, type SluiceError, TransientError } from "@sluice/core";

interface DriverError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
  driverError?: DriverError;
}

const AUTH = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_ACCESS_DENIED_NO_PASSWORD_ERROR",
]);
const TRANSIENT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_QUERY_INTERRUPTED",
]);

export function driverError(e: unknown): DriverError {
  const d = (e ?? {}) as DriverError;
  return d.driverError ?? d;
}

export function errorCode(e: unknown): string | undefined {
  return driverError(e).code;
}

/**
 * Maps a driver error to a SluiceError. `where` names host:port/database (never the URL or the
 * password); SluiceError redacts the message again on construction.
 */
export function mapDbError(e: unknown, action: string, where: string): SluiceError {
  const d = driverError(e);
  const detail = d.sqlMessage ?? d.message ?? String(e);
  const message = `${action} failed on ${where}: ${detail}`;
  const code = d.code ?? "";
  if (AUTH.has(code)) return new AuthError(`${message} (check user, password and grants)`, { cause: e });
  if (TRANSIENT.has(code)) return new TransientError(message, { cause: e });
  if (code === "ER_BAD_DB_ERROR") {
    return new ConfigError("auroraSink connection", [{ field: "database", message: detail }], { cause: e });
  }
  if (code === "ENOTFOUND") {
    return new ConfigError("auroraSink connection", [{ field: "host", message: detail }], { cause: e });
  }
  return new SinkError(message, { cause: e });
}
