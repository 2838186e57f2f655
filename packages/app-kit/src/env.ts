/**
 * Building blocks for an app's environment schema (zod). The app's own `env.ts` stays the only
 * reader of `process.env`: these helpers are schemas, or functions of an env object the app
 * passes in. Blank values count as unset; every error message names what is allowed.
 */
import { registerSecret } from "@sluice/core";
import { z } from "zod";
import type { DatadogConfig } from "./metrics.js";

/** The environment as the app received it (`process.env`, or a test's literal). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The object formats the apps write and read. */
export const DATA_FORMATS = ["json", "jsonl", "csv", "parquet"] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface SentryConfig {
  dsn: string;
  environment?: string | undefined;
}

export interface S3Location {
  bucket: string;
  /** Key prefix, "" or ending in "/": "data/". */
  prefix: string;
  /** Path-style URLs (local S3 servers). */
  forcePathStyle: boolean;
}

/** "" and whitespace-only strings become `undefined` (unset); anything else passes. */
export const blankToUndefined = (v: unknown): unknown =>
  typeof v === "string" && v.trim() === "" ? undefined : v;

/** A required string; `what` is the message when it is missing or blank. */
export const required = (what = "is required") =>
  z.preprocess(
    blankToUndefined,
    z.string({ error: (i) => (i.input === undefined ? what : "must be a string") }),
  );

/** An optional string; blank is unset. */
export const optionalString = z.preprocess(blankToUndefined, z.string().optional());

/** One of `values`, case-insensitive and trimmed; `fallback` when unset or blank. */
export const oneOf = <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(
    (v) => (typeof blankToUndefined(v) === "string" ? (v as string).trim().toLowerCase() : undefined),
    z
      .enum(values, { error: (i) => `must be one of ${values.join(", ")} (got ${JSON.stringify(i.input)})` })
      .default(fallback),
  );

/** true/false, 1/0, yes/no (case-insensitive); `fallback` when unset or blank. */
export const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (typeof blankToUndefined(v) === "string" ? (v as string).trim().toLowerCase() : undefined),
    z
      .enum(["true", "false", "1", "0", "yes", "no"], {
        error: (i) => `must be true or false (got ${JSON.stringify(i.input)})`,
      })
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  );

/** A comma-separated list of stream names, each one of `allowed`, deduplicated; `fallback` when unset. */
export const streamList = (allowed: readonly string[], fallback: string) =>
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

/** S3 prefix: "data/" when unset; may be empty; a non-empty prefix gets a trailing "/" if it has none. */
export const s3Prefix = z.preprocess(
  (v) => (v === undefined ? "data/" : v),
  z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .transform((p) => (p === "" || p.endsWith("/") ? p : `${p}/`)),
);

/** An S3 bucket name (required). */
export const s3Bucket = required().pipe(
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 chars: a-z 0-9 . -)"),
);

/** One of DATA_FORMATS, "json" by default. */
export const dataFormat = oneOf(DATA_FORMATS, "json");

/** S3_BUCKET (required), S3_PREFIX (default "data/"), S3_FORCE_PATH_STYLE (default false). */
export const s3Fields = {
  S3_BUCKET: s3Bucket.describe("S3 bucket name (3-63 chars: a-z 0-9 . -)"),
  S3_PREFIX: s3Prefix.describe('key prefix; "/" appended when missing, may be empty'),
  S3_FORCE_PATH_STYLE: bool(false).describe("path-style S3 URLs (local S3 servers such as s3rver, MinIO)"),
};

/** LOG_LEVEL, "info" by default. */
export const logLevelFields = {
  LOG_LEVEL: oneOf(LOG_LEVELS, "info").describe(LOG_LEVELS.join(" | ")),
};

/** SENTRY_DSN (a URL; unset disables Sentry), SENTRY_ENVIRONMENT. */
export const sentryFields = {
  SENTRY_DSN: z
    .preprocess(blankToUndefined, z.url({ error: "must be a Sentry DSN URL" }).optional())
    .describe("Sentry DSN: report failures to Sentry (secret; unset: off)"),
  SENTRY_ENVIRONMENT: optionalString.describe("Sentry environment tag"),
};

/** A TCP/UDP port number; `fallback` when unset or blank. */
export const port = (fallback: number) =>
  z.preprocess(
    (v) => blankToUndefined(v) ?? String(fallback),
    z.coerce
      .number({ error: "must be a port number" })
      .int("must be a port number")
      .min(1, "must be a port number")
      .max(65_535, "must be a port number"),
  );

/** DD_AGENT_HOST (set: send run metrics as DogStatsD), DD_DOGSTATSD_PORT, DD_ENV, DD_SERVICE, DD_VERSION. */
export const datadogFields = {
  DD_AGENT_HOST: optionalString.describe("Datadog agent host: send run metrics as DogStatsD (unset: off)"),
  DD_DOGSTATSD_PORT: port(8125).describe("DogStatsD UDP port of the agent"),
  DD_ENV: optionalString.describe("env tag of every metric"),
  DD_SERVICE: optionalString.describe("service tag of every metric"),
  DD_VERSION: optionalString.describe("version tag of every metric"),
};

/** The DogStatsD target from the parsed `datadogFields`: undefined without DD_AGENT_HOST. */
export function datadogConfig(v: {
  DD_AGENT_HOST?: string | undefined;
  DD_DOGSTATSD_PORT: number;
  DD_ENV?: string | undefined;
  DD_SERVICE?: string | undefined;
  DD_VERSION?: string | undefined;
}): DatadogConfig | undefined {
  if (!v.DD_AGENT_HOST) return undefined;
  const tags = (
    [
      ["env", v.DD_ENV],
      ["service", v.DD_SERVICE],
      ["version", v.DD_VERSION],
    ] as const
  ).flatMap(([k, value]) => (value ? [`${k}:${value.trim()}`] : []));
  return { host: v.DD_AGENT_HOST.trim(), port: v.DD_DOGSTATSD_PORT, tags };
}

/** The S3 location from the parsed `s3Fields`. */
export function s3Location(v: {
  S3_BUCKET: string;
  S3_PREFIX: string;
  S3_FORCE_PATH_STYLE: boolean;
}): S3Location {
  return { bucket: v.S3_BUCKET, prefix: v.S3_PREFIX, forcePathStyle: v.S3_FORCE_PATH_STYLE };
}

/** The Sentry target from the parsed `sentryFields`: undefined when no DSN is set. */
export function sentryConfig(v: {
  SENTRY_DSN?: string | undefined;
  SENTRY_ENVIRONMENT?: string | undefined;
}): SentryConfig | undefined {
  return v.SENTRY_DSN ? { dsn: v.SENTRY_DSN, environment: v.SENTRY_ENVIRONMENT } : undefined;
}

/**
 * Registers the (trimmed) values of the named variables for redaction. Call it before
 * validating, so not even an error message can echo them. SENTRY_DSN is always included.
 */
export function registerEnvSecrets(env: EnvSource, names: readonly string[] = []): void {
  for (const name of new Set([...names, "SENTRY_DSN"])) registerSecret(env[name]?.trim());
}

/** An IANA time zone, by default the systems' partition zone (America/Sao_Paulo). */
export const timeZone = (fallback = "America/Sao_Paulo") =>
  z.preprocess(
    (v) => blankToUndefined(v) ?? fallback,
    z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as America/Sao_Paulo"),
  );

/** A STOMP destination as ActiveMQ names them. */
export const STOMP_DESTINATION_PATTERN = /^\/(queue|topic)\/\S+$/;

/** The broker connection variables of the STOMP apps (consumer and producer). */
export const stompFields = {
  STOMP_URL: z.preprocess(
    (v) => blankToUndefined(v) ?? "stomp://127.0.0.1:61613",
    z
      .string()
      .regex(
        /^(stomp|stomp\+ssl|stomp\+tls|ssl|tcp):\/\/[^/\s]+\/?$/,
        "must be stomp://host:port or stomp+ssl://host:port",
      ),
  ),
  STOMP_LOGIN: optionalString,
  STOMP_PASSCODE: z.string().optional(),
  STOMP_DESTINATION: z.preprocess(
    blankToUndefined,
    z
      .string({ error: "is required (/queue/NAME or /topic/NAME)" })
      .regex(STOMP_DESTINATION_PATTERN, "must be /queue/NAME or /topic/NAME"),
  ),
};
