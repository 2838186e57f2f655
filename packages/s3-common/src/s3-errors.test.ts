import { AuthError, ConfigError, SinkError, SluiceError, TransientError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { isNotFound, toS3Error } from "./s3-errors.js";

const sdkError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("toS3Error", () => {
  it("maps 403 and credential codes to AuthError with a hint", () => {
    const e = toS3Error(sdkError("AccessDenied", 403), "PutObject s3://b/k", "b");
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain("PutObject s3://b/k failed: AccessDenied (HTTP 403)");
    expect(e.message).toContain("Check the AWS credentials");
    expect(toS3Error(sdkError("InvalidAccessKeyId", 400), "x")).toBeInstanceOf(AuthError);
  });

  it("maps a missing bucket to a ConfigError naming the bucket field, per side", () => {
    const sink = toS3Error(sdkError("NoSuchBucket", 404), "HeadBucket b", "b") as ConfigError;
    expect(sink).toBeInstanceOf(ConfigError);
    expect(sink.issues).toEqual([{ field: "bucket", message: '"b" does not exist' }]);
    // rendered as "<field> <message>" by the apps' final line and "- <field>: <message>" here
    expect(sink.message).toContain('- bucket: "b" does not exist');
    expect(sink.issues.map((i) => `${i.field} ${i.message}`).join()).not.toMatch(/bucket bucket/);
    expect(sink.message).toContain("S3 target");
    expect(toS3Error(sdkError("NoSuchBucket", 404), "HeadBucket b", "b", "source").message).toContain(
      "S3 source",
    );
  });

  it("maps 5xx, throttling and network resets to retryable TransientError", () => {
    expect(toS3Error(sdkError("InternalError", 500), "x")).toBeInstanceOf(TransientError);
    expect(toS3Error(sdkError("SlowDown", 503), "x").retryable).toBe(true);
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(toS3Error(reset, "UploadPart").retryable).toBe(true);
  });

  it("maps anything else to SinkError on the sink side and source_failed on the source side, keeping the cause", () => {
    const original = sdkError("InvalidPart", 400);
    const sink = toS3Error(original, "CompleteMultipartUpload s3://b/k");
    expect(sink).toBeInstanceOf(SinkError);
    expect(sink.cause).toBe(original);
    const source = toS3Error(original, "GetObject s3://b/k", "b", "source");
    expect(source).toBeInstanceOf(SluiceError);
    expect(source.code).toBe("source_failed");
  });

  it("recognises not-found errors by code or status", () => {
    expect(isNotFound(sdkError("NoSuchKey", 404))).toBe(true);
    expect(isNotFound(sdkError("NotFound", 404))).toBe(true);
    expect(isNotFound(sdkError("AccessDenied", 403))).toBe(false);
  });
});
