/**
 * BigQuery failures → Sluice errors. Job failures carry the job id and BigQuery's first reasons;
 * messages are cleaned of the cell values BigQuery quotes (`Value: …`, `value '…'`), so personal
 * data never reaches logs.
 */
import {
  AuthError,
  ConfigError,
  DataError,
  RateLimitError,
  SinkError,
  type SluiceError,
  TransientError,
  toSluiceError,
} from "@sluice/core";

export interface ErrorProto {
  reason?: string;
  message?: string;
  location?: string;
}

const RATE_REASONS = new Set([
  "quotaExceeded",
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "jobRateLimitExceeded",
]);
const TRANSIENT_REASONS = new Set([
  "backendError",
  "internalError",
  "jobBackendError",
  "jobInternalError",
  "timeout",
]);
const DATA_REASONS = new Set(["invalid", "invalidQuery"]);

/** A BigQuery message without the quoted values. */
export function scrubMessage(message: string): string {
  return message
    .replace(/value '(?:[^'\\]|\\.)*'/gi, "value")
    .replace(/;\s*Value:.*$/s, "")
    .slice(0, 500);
}

function classify(
  reason: string,
  message: string,
  context: { stream: string; field?: string | undefined },
): SluiceError {
  const opts = { details: {} };
  if (RATE_REASONS.has(reason)) return new RateLimitError(message, 60_000, opts);
  if (TRANSIENT_REASONS.has(reason)) return new TransientError(message, opts);
  if (DATA_REASONS.has(reason))
    return new DataError(message, { stream: context.stream, field: context.field });
  if (reason === "accessDenied") return new AuthError(message);
  return new SinkError(message);
}

/** A failed job (`status.errorResult` set) as a Sluice error naming the job and its first reasons. */
export function jobError(
  jobId: string,
  what: string,
  status: { errorResult?: ErrorProto; errors?: ErrorProto[] },
  stream: string,
): SluiceError {
  const all = [status.errorResult ?? {}, ...(status.errors ?? [])];
  const reasons = [...new Set(all.map((e) => e.reason).filter((r): r is string => !!r))].slice(0, 3);
  const detail = (status.errors ?? []).find((e) => e.location) ?? status.errorResult ?? {};
  const message = `BigQuery ${what} job ${jobId} failed (${reasons.join(", ") || "unknown"}): ${scrubMessage(
    String(detail.message ?? status.errorResult?.message ?? ""),
  )}`;
  const base = classify(reasons[0] ?? "", message, { stream, field: detail.location });
  Object.assign(base.details, { jobId, reasons });
  return base;
}

interface ApiErrorLike {
  code?: number | string;
  errors?: ErrorProto[];
  message?: string;
}

/** A failed REST call (ApiError from the client, or our own fetch) as a Sluice error. */
export function apiError(error: unknown, what: string, stream = ""): SluiceError {
  const e = (error ?? {}) as ApiErrorLike;
  const status = typeof e.code === "number" ? e.code : undefined;
  if (status === undefined) {
    const wrapped = toSluiceError(error, "sink_failed");
    return wrapped.code === "pipeline_failed"
      ? new SinkError(`${what}: ${wrapped.message}`, { cause: error })
      : wrapped;
  }
  const reason = e.errors?.[0]?.reason ?? "";
  const message = `${what}: BigQuery answered ${status}${reason ? ` ${reason}` : ""}: ${scrubMessage(String(e.message ?? ""))}`;
  if (RATE_REASONS.has(reason) || status === 429)
    return new RateLimitError(message, 30_000, { cause: error });
  if (status === 401 || status === 403)
    return new AuthError(
      `${message} (check the credentials of the Google auth chain and the roles bigquery.dataEditor + bigquery.jobUser)`,
      {
        cause: error,
      },
    );
  if (status >= 500 || status === 408 || TRANSIENT_REASONS.has(reason))
    return new TransientError(message, { cause: error });
  if (status === 404)
    return new ConfigError("BigQuery target", [{ field: "dataset", message }], { cause: error });
  if (DATA_REASONS.has(reason)) return new DataError(message, { stream }, { cause: error });
  return new SinkError(message, { cause: error });
}
