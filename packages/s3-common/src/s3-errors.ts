import { AuthError, ConfigError, isRetryable, SinkError, SluiceError, TransientError } from "@sluice/core";

interface S3LikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: "client" | "server";
}

const AUTH_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
  "CredentialsProviderError",
]);
const TRANSIENT_CODES = new Set([
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "TimeoutError",
  "ThrottlingException",
]);

/** HTTP status of an SDK error, if any. */
export function s3Status(error: unknown): number | undefined {
  return (error as S3LikeError | undefined)?.$metadata?.httpStatusCode;
}

/** Error code of an SDK error ("NoSuchKey", "AccessDenied", ...). */
export function s3Code(error: unknown): string | undefined {
  const e = error as S3LikeError | undefined;
  return e?.Code ?? e?.name;
}

export function isNotFound(error: unknown): boolean {
  const code = s3Code(error);
  return code === "NoSuchKey" || code === "NotFound" || s3Status(error) === 404;
}

export type S3Side = "sink" | "source";

/** The error for a non-retryable, non-auth failure: SinkError on the sink side, source_failed otherwise. */
function failure(side: S3Side, message: string, cause: unknown): SluiceError {
  return side === "sink"
    ? new SinkError(message, { cause })
    : new SluiceError("source_failed", message, { cause });
}

/**
 * Maps an AWS SDK error to a Sluice error. `what` says what was being done ("UploadPart
 * s3://b/k"). Messages are redacted by SluiceError; credentials never appear in them.
 */
export function toS3Error(error: unknown, what: string, bucket?: string, side: S3Side = "sink"): SluiceError {
  const status = s3Status(error);
  const code = s3Code(error) ?? "Error";
  const detail = (error as S3LikeError | undefined)?.message ?? String(error);
  const message = `${what} failed: ${code}${status ? ` (HTTP ${status})` : ""}: ${detail}`;
  if (status === 403 || AUTH_CODES.has(code)) {
    return new AuthError(`${message}. Check the AWS credentials and the bucket policy.`, { cause: error });
  }
  if (code === "NoSuchBucket" || (status === 404 && bucket !== undefined && !what.includes("s3://"))) {
    return new ConfigError(
      side === "sink" ? "S3 target" : "S3 source",
      // the issue's field names the bucket already: "bucket: "x" does not exist", not "bucket bucket ..."
      [{ field: "bucket", message: `"${bucket ?? "?"}" does not exist` }],
      {
        cause: error,
      },
    );
  }
  if ((status !== undefined && status >= 500) || TRANSIENT_CODES.has(code) || isRetryable(error)) {
    return new TransientError(message, { cause: error });
  }
  if (code === "AbortError" || (error as Error | undefined)?.name === "AbortError") {
    return failure(side, `${what} aborted`, error);
  }
  return failure(side, message, error);
}
