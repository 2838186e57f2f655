/**
 * The only place fargate-extract reads `process.env`: variables are validated with zod, every
 * bad one is listed by name in one ConfigError, and secrets are registered for redaction
 * before anything can log them. AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3,
 * AWS_REQUEST_CHECKSUM_CALCULATION ...) are read by the AWS SDK itself, not here.
 */
import { parseOptions, registerSecret } from "@sluice/core";
import { INTERCOM_STREAMS } from "@sluice/source-intercom";
import { z } from "zod";

export const OUTPUT_FORMATS = ["json", "jsonl", "csv", "parquet"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ExtractConfig {
  intercom: { accessToken: string; apiUrl: string };
  /** Source streams to extract, e.g. ["contacts", "conversations"]. */
  streams: string[];
  syncMode: "full" | "incremental";
  s3: {
    bucket: string;
    /** Key prefix, "" or ending in "/": "data/". */
    prefix: string;
    /** Path-style URLs (local S3 servers). */
    forcePathStyle: boolean;
  };
  output: { format: OutputFormat; gzip: boolean };
  logLevel: LogLevel;
  /** Set: failures are reported to Sentry (scrubbed). */
  sentry?: { dsn: string; environment?: string | undefined } | undefined;
}

// ---- shared variable schemas (the load app has the same shapes) ----

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const required = (what = "is required") =>
  z.preprocess(
    blankToUndefined,
    z.string({ error: (i) => (i.input === undefined ? what : "must be a string") }),
  );

const oneOf = <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(
    (v) => (typeof blankToUndefined(v) === "string" ? (v as string).trim().toLowerCase() : undefined),
    z
      .enum(values, { error: (i) => `must be one of ${values.join(", ")} (got ${JSON.stringify(i.input)})` })
      .default(fallback),
  );

const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (typeof blankToUndefined(v) === "string" ? (v as string).trim().toLowerCase() : undefined),
    z
      .enum(["true", "false", "1", "0", "yes", "no"], {
        error: (i) => `must be true or false (got ${JSON.stringify(i.input)})`,
      })
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  );

/** A comma-separated list of stream names, each one of `allowed`. */
const streamList = (allowed: readonly string[], fallback: string) =>
  z.preprocess(
    (v) => blankToUndefined(v) ?? fallback,
    z
      .string()
      .transform((s) => [
        ...new Set(
          s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .superRefine((list, ctx) => {
        if (list.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one stream" });
        const unknown = list.filter((s) => !allowed.includes(s));
        if (unknown.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `unknown stream(s) ${unknown.join(", ")}; available: ${allowed.join(", ")}`,
          });
        }
      }),
  );

/** S3 prefix: may be empty; a non-empty prefix gets a trailing "/" if it has none. */
const s3Prefix = z.preprocess(
  (v) => (v === undefined ? "data/" : v),
  z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .transform((p) => (p === "" || p.endsWith("/") ? p : `${p}/`)),
);

const s3Bucket = required().pipe(
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 chars: a-z 0-9 . -)"),
);

const logLevel = oneOf(LOG_LEVELS, "info");

const sentryFields = {
  SENTRY_DSN: z.preprocess(blankToUndefined, z.url({ error: "must be a Sentry DSN URL" }).optional()),
  SENTRY_ENVIRONMENT: z.preprocess(blankToUndefined, z.string().optional()),
};

const schema = z.object({
  INTERCOM_ACCESS_TOKEN: required(),
  INTERCOM_API_URL: z.preprocess(
    (v) => blankToUndefined(v) ?? "https://api.intercom.io",
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  ),
  INTERCOM_STREAMS: streamList(INTERCOM_STREAMS, "contacts,conversations"),
  SYNC_MODE: oneOf(["full", "incremental"] as const, "full"),
  S3_BUCKET: s3Bucket,
  S3_PREFIX: s3Prefix,
  S3_FORCE_PATH_STYLE: bool(false),
  OUTPUT_FORMAT: oneOf(OUTPUT_FORMATS, "json"),
  OUTPUT_GZIP: bool(false),
  LOG_LEVEL: logLevel,
  ...sentryFields,
});

/** Reads and validates the environment. Throws a ConfigError naming every bad variable. */
export function readExtractConfig(env: NodeJS.ProcessEnv = process.env): ExtractConfig {
  // register before validating, so even an error message could not echo the value
  registerSecret(env.INTERCOM_ACCESS_TOKEN?.trim());
  registerSecret(env.SENTRY_DSN?.trim());
  const v = parseOptions(schema, env, "fargate-extract environment");
  return {
    intercom: { accessToken: v.INTERCOM_ACCESS_TOKEN.trim(), apiUrl: v.INTERCOM_API_URL.replace(/\/+$/, "") },
    streams: v.INTERCOM_STREAMS,
    syncMode: v.SYNC_MODE,
    s3: { bucket: v.S3_BUCKET, prefix: v.S3_PREFIX, forcePathStyle: v.S3_FORCE_PATH_STYLE },
    output: { format: v.OUTPUT_FORMAT, gzip: v.OUTPUT_GZIP },
    logLevel: v.LOG_LEVEL,
    sentry: v.SENTRY_DSN ? { dsn: v.SENTRY_DSN, environment: v.SENTRY_ENVIRONMENT } : undefined,
  };
}
