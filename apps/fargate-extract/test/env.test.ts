import { ConfigError, redact } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { readExtractConfig } from "../src/env.js";

const minimal = { INTERCOM_ACCESS_TOKEN: "tok_unit_test_value_1", S3_BUCKET: "my-lake" };

describe("readExtractConfig", () => {
  it("applies the documented defaults", () => {
    expect(readExtractConfig(minimal)).toEqual({
      intercom: { accessToken: "tok_unit_test_value_1", apiUrl: "https://api.intercom.io" },
      streams: ["contacts", "conversations"],
      syncMode: "full",
      contactSweep: "auto",
      s3: { bucket: "my-lake", prefix: "data/", forcePathStyle: false },
      output: { format: "json", gzip: false },
      logLevel: "info",
      sentry: undefined,
    });
  });

  // prefix, format, boolean and list normalisation: @sluice/app-kit's env.test.ts
  it("normalises its own values: streams, sync mode, API URL; wires the shared groups", () => {
    const c = readExtractConfig({
      ...minimal,
      S3_PREFIX: "raw/intercom",
      INTERCOM_STREAMS: " contacts , tags,contacts ",
      OUTPUT_FORMAT: "PARQUET",
      OUTPUT_GZIP: "yes",
      S3_FORCE_PATH_STYLE: "1",
      SYNC_MODE: "incremental",
      INTERCOM_API_URL: "http://127.0.0.1:8080/",
      SENTRY_DSN: "https://key@sentry.example/1",
    });
    expect(c.streams).toEqual(["contacts", "tags"]);
    expect(c.syncMode).toBe("incremental");
    expect(c.intercom.apiUrl).toBe("http://127.0.0.1:8080");
    expect(c.s3).toEqual({ bucket: "my-lake", prefix: "raw/intercom/", forcePathStyle: true });
    expect(c.output).toEqual({ format: "parquet", gzip: true });
    expect(c.sentry).toEqual({ dsn: "https://key@sentry.example/1", environment: undefined });
  });

  it("lists every bad variable in one ConfigError and registers the token for redaction", () => {
    let error: unknown;
    try {
      readExtractConfig({
        INTERCOM_ACCESS_TOKEN: "tok_registered_secret_2",
        S3_BUCKET: "Bad_Bucket",
        S3_PREFIX: "/abs",
        S3_FORCE_PATH_STYLE: "maybe",
        LOG_LEVEL: "loud",
        SENTRY_DSN: "not a dsn",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(["LOG_LEVEL", "S3_BUCKET", "S3_FORCE_PATH_STYLE", "S3_PREFIX", "SENTRY_DSN"]);
    expect((error as ConfigError).message).toMatch(/^Invalid fargate-extract environment: /);
    expect(redact("value tok_registered_secret_2 here")).not.toContain("tok_registered_secret_2");
  });
});
