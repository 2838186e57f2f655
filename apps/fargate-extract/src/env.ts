/**
 * The only place fargate-extract reads `process.env`: variables are validated with zod, every
 * bad one is listed by name in one ConfigError, and secrets are registered for redaction
 * before anything can log them. AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3,
 * AWS_REQUEST_CHECKSUM_CALCULATION ...) are read by the AWS SDK itself, not here.
 */
import {
  type AppHelp,
  blankToUndefined,
  bool,
  type DatadogConfig,
  type DataFormat,
  datadogConfig,
  datadogFields,
  dataFormat,
  type LogLevel,
  logLevelFields,
  oneOf,
  registerEnvSecrets,
  required,
  type S3Location,
  type SentryConfig,
  s3Fields,
  s3Location,
  sentryConfig,
  sentryFields,
  streamList,
} from "@sluice/app-kit";
import { parseOptions } from "@sluice/core";
import { INTERCOM_STREAMS } from "@sluice/source-intercom";
import { z } from "zod";

export type { LogLevel } from "@sluice/app-kit";
export type OutputFormat = DataFormat;

export interface ExtractConfig {
  intercom: { accessToken: string; apiUrl: string };
  /** Source streams to extract, e.g. ["contacts", "conversations"]. */
  streams: string[];
  syncMode: "full" | "incremental";
  /** Contact deletion check of incremental runs: sweep ids only when counts show deletions, or always. Default "auto". */
  contactSweep?: "auto" | "always" | undefined;
  s3: S3Location;
  output: { format: OutputFormat; gzip: boolean };
  logLevel: LogLevel;
  /** Set: failures are reported to Sentry (scrubbed). */
  sentry?: SentryConfig | undefined;
  /** Set (DD_AGENT_HOST): run metrics go to the Datadog agent as DogStatsD. */
  datadog?: DatadogConfig | undefined;
}

const schema = z.object({
  INTERCOM_ACCESS_TOKEN: required().describe("Intercom access token (secret; never logged)"),
  INTERCOM_API_URL: z
    .preprocess(
      (v) => blankToUndefined(v) ?? "https://api.intercom.io",
      z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    )
    .describe("Intercom API base URL (regional: https://api.eu.intercom.io)"),
  INTERCOM_STREAMS: streamList(INTERCOM_STREAMS, "contacts,conversations").describe(
    `comma-separated: ${INTERCOM_STREAMS.join(", ")}`,
  ),
  SYNC_MODE: oneOf(["full", "incremental"] as const, "full").describe("full | incremental"),
  INTERCOM_CONTACT_SWEEP: oneOf(["auto", "always"] as const, "auto").describe(
    "auto | always: sweep contact ids only when counts show deletions, or on every incremental run",
  ),
  ...s3Fields,
  OUTPUT_FORMAT: dataFormat.describe("json | jsonl | csv | parquet"),
  OUTPUT_GZIP: bool(false).describe("gzip the objects (.gz); not for parquet"),
  ...logLevelFields,
  ...sentryFields,
  ...datadogFields,
});

/** What `fargate-extract --help` prints. */
export const extractHelp: AppHelp = {
  summary: "extracts Intercom streams into S3 objects, one per stream (an ECS Fargate task).",
  schema,
  example:
    "INTERCOM_ACCESS_TOKEN=<token> S3_BUCKET=my-lake INTERCOM_STREAMS=contacts,conversations node dist/main.js",
  notes: [
    "Blank values count as unset. AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3) are",
    "read by the AWS SDK itself. Exit codes: 0 done, 1 failed (one line on stderr), 143 SIGTERM.",
  ],
};

/** Reads and validates the environment. Throws a ConfigError naming every bad variable. */
export function readExtractConfig(env: NodeJS.ProcessEnv = process.env): ExtractConfig {
  // register before validating, so even an error message could not echo the value
  registerEnvSecrets(env, ["INTERCOM_ACCESS_TOKEN"]);
  const v = parseOptions(schema, env, "fargate-extract environment");
  return {
    intercom: { accessToken: v.INTERCOM_ACCESS_TOKEN.trim(), apiUrl: v.INTERCOM_API_URL.replace(/\/+$/, "") },
    streams: v.INTERCOM_STREAMS,
    syncMode: v.SYNC_MODE,
    contactSweep: v.INTERCOM_CONTACT_SWEEP,
    s3: s3Location(v),
    output: { format: v.OUTPUT_FORMAT, gzip: v.OUTPUT_GZIP },
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
    datadog: datadogConfig(v),
  };
}
