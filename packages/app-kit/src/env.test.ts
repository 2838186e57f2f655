import { ConfigError, parseOptions, redact } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  bool,
  dataFormat,
  logLevelFields,
  oneOf,
  registerEnvSecrets,
  required,
  s3Fields,
  s3Location,
  sentryConfig,
  sentryFields,
  streamList,
} from "./env.js";

const schema = z.object({
  ...s3Fields,
  FORMAT: dataFormat,
  STREAMS: streamList(["contacts", "conversations", "tags"], "contacts,conversations"),
  MODE: oneOf(["full", "incremental"] as const, "full"),
  TOKEN: required("is required (the API token)"),
  FLAG: bool(true),
  ...logLevelFields,
  ...sentryFields,
});
const parse = (env: Record<string, string | undefined>) => parseOptions(schema, env, "test environment");

const issuesOf = (env: Record<string, string | undefined>) => {
  try {
    parse(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
};

describe("env schema helpers", () => {
  it("treat unset and blank variables alike: defaults apply", () => {
    const unset = parse({ S3_BUCKET: "my-lake", TOKEN: "t" });
    const blank = parse({
      S3_BUCKET: "my-lake",
      TOKEN: "t",
      FORMAT: "  ",
      STREAMS: "",
      MODE: " ",
      FLAG: "",
      S3_FORCE_PATH_STYLE: " ",
      LOG_LEVEL: "",
      SENTRY_DSN: "  ",
      SENTRY_ENVIRONMENT: "",
    });
    expect(blank).toEqual(unset);
    expect(unset).toMatchObject({
      S3_PREFIX: "data/",
      S3_FORCE_PATH_STYLE: false,
      FORMAT: "json",
      STREAMS: ["contacts", "conversations"],
      MODE: "full",
      FLAG: true,
      LOG_LEVEL: "info",
    });
    expect(sentryConfig(blank)).toBeUndefined();
  });

  it("normalise: prefix slash, empty prefix, case, booleans, list spacing and duplicates", () => {
    const v = parse({
      S3_BUCKET: "my-lake",
      S3_PREFIX: "raw/intercom",
      S3_FORCE_PATH_STYLE: "YES",
      TOKEN: "t",
      FORMAT: " PARQUET ",
      STREAMS: " contacts , tags,contacts ",
      MODE: "Incremental",
      FLAG: "0",
      LOG_LEVEL: "DEBUG",
      SENTRY_DSN: "https://public@sentry.example/7",
      SENTRY_ENVIRONMENT: "staging",
    });
    expect(s3Location(v)).toEqual({ bucket: "my-lake", prefix: "raw/intercom/", forcePathStyle: true });
    expect(v).toMatchObject({
      FORMAT: "parquet",
      STREAMS: ["contacts", "tags"],
      MODE: "incremental",
      FLAG: false,
      LOG_LEVEL: "debug",
    });
    expect(sentryConfig(v)).toEqual({ dsn: "https://public@sentry.example/7", environment: "staging" });
    expect(parse({ S3_BUCKET: "my-lake", TOKEN: "t", S3_PREFIX: "" }).S3_PREFIX).toBe("");
    expect(parse({ S3_BUCKET: "my-lake", TOKEN: "t", S3_PREFIX: "a/b/" }).S3_PREFIX).toBe("a/b/");
  });

  it("name every bad variable in one ConfigError, with what is allowed", () => {
    const issues = issuesOf({
      S3_BUCKET: "Bad_Bucket",
      S3_PREFIX: "/abs",
      S3_FORCE_PATH_STYLE: "maybe",
      FORMAT: "xml",
      STREAMS: "contacts,nope",
      TOKEN: " ",
      LOG_LEVEL: "loud",
      SENTRY_DSN: "not a dsn",
    });
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
    expect(Object.keys(byField).sort()).toEqual([
      "FORMAT",
      "LOG_LEVEL",
      "S3_BUCKET",
      "S3_FORCE_PATH_STYLE",
      "S3_PREFIX",
      "SENTRY_DSN",
      "STREAMS",
      "TOKEN",
    ]);
    expect(byField.FORMAT).toBe('must be one of json, jsonl, csv, parquet (got "xml")');
    expect(byField.S3_FORCE_PATH_STYLE).toBe('must be true or false (got "maybe")');
    expect(byField.STREAMS).toBe("unknown stream(s) nope; available: contacts, conversations, tags");
    expect(byField.TOKEN).toBe("is required (the API token)");
    expect(byField.S3_PREFIX).toBe('must not start with "/"');
    expect(byField.S3_BUCKET).toMatch(/must be an S3 bucket name/);
    expect(issuesOf({ S3_BUCKET: "my-lake", TOKEN: "t", STREAMS: " , ," }).map((i) => i.message)).toEqual([
      "must name at least one stream",
    ]);
  });

  it("registerEnvSecrets registers the named variables and SENTRY_DSN, trimmed, from the env given", () => {
    const env = {
      API_TOKEN: "  tok-app-kit-unit-1  ",
      SENTRY_DSN: "https://dsnkey-app-kit-unit-2@sentry.example/1",
      OTHER: "not-a-secret-app-kit-3",
    };
    registerEnvSecrets(env, ["API_TOKEN"]);
    expect(redact("tok-app-kit-unit-1")).not.toContain("tok-app-kit-unit-1");
    expect(redact(env.SENTRY_DSN)).not.toContain("dsnkey-app-kit-unit-2");
    expect(redact("not-a-secret-app-kit-3")).toBe("not-a-secret-app-kit-3");
  });
});
