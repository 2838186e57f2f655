/**
 * The only place intercom-bigquery reads `process.env`. Google credentials are not read here:
 * the Google auth chain (ADC, GOOGLE_APPLICATION_CREDENTIALS, workload identity) finds them.
 */
import {
  blankToUndefined,
  bool,
  type LogLevel,
  logLevelFields,
  oneOf,
  registerEnvSecrets,
  required,
  type SentryConfig,
  sentryConfig,
  sentryFields,
  streamList,
} from "@sluice/app-kit";
import { parseOptions } from "@sluice/core";
import { z } from "zod";
import { ENTITIES, type Entity } from "./entities.js";
import type { SyncRequest } from "./request.js";
import type { SyncSettings } from "./sync.js";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/** Required after the default is applied (an optional inner schema would let zod skip a missing key). */
const urlWithDefault = (fallback: string) => z.preprocess((v) => blankToUndefined(v) ?? fallback, httpUrl);
const optionalUrl = z.preprocess(blankToUndefined, httpUrl.optional());

const shared = {
  INTERCOM_API_URL: urlWithDefault("https://api.intercom.io"),
  BIGQUERY_API_ENDPOINT: optionalUrl,
  BIGQUERY_CREATE_DATASET: bool(false),
  WRITE_MODE: oneOf(["replace", "append", "upsert"] as const, "replace"),
  RESUME_WINDOW_MINUTES: z.preprocess(
    (v) => blankToUndefined(v) ?? "360",
    z.coerce.number({ error: "must be a number of minutes" }).int().min(0, "must be 0 (off) or more"),
  ),
  ...logLevelFields,
  ...sentryFields,
};

function settingsOf(v: z.output<z.ZodObject<typeof shared>>): SyncSettings {
  return {
    intercomApiUrl: v.INTERCOM_API_URL.replace(/\/+$/, ""),
    bigqueryApiEndpoint: v.BIGQUERY_API_ENDPOINT?.replace(/\/+$/, ""),
    createDataset: v.BIGQUERY_CREATE_DATASET,
    writeMode: v.WRITE_MODE,
    resumeWindowMs: v.RESUME_WINDOW_MINUTES * 60_000,
  };
}

export interface ServerConfig {
  port: number;
  /** Stop a call after this long (0 = never): committed tables stay, the next call resumes. */
  runDeadlineMs: number;
  settings: SyncSettings;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const serverSchema = z.object({
  ...shared,
  RUN_DEADLINE_SECONDS: z.preprocess(
    (v) => blankToUndefined(v) ?? "0",
    z.coerce.number({ error: "must be a number of seconds" }).int().min(0, "must be 0 (off) or more"),
  ),
  PORT: z.preprocess((v) => blankToUndefined(v) ?? "8080", z.coerce.number().int().min(0).max(65535)),
});

/** The HTTP function's settings (the request body brings token, entities and target). */
export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  registerEnvSecrets(env, []);
  const v = parseOptions(serverSchema, env, "intercom-bigquery environment");
  return {
    port: v.PORT,
    runDeadlineMs: v.RUN_DEADLINE_SECONDS * 1000,
    settings: settingsOf(v),
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}

export interface JobConfig {
  request: SyncRequest;
  settings: SyncSettings;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const jobSchema = z.object({
  ...shared,
  INTERCOM_ACCESS_TOKEN: required(),
  INTERCOM_STREAMS: streamList(ENTITIES, ENTITIES.join(",")),
  BIGQUERY_PROJECT: required().pipe(
    z.string().regex(/^[a-z][a-z0-9:.-]{2,62}$|^[a-z0-9-]+$/i, "must be a Google Cloud project id"),
  ),
  BIGQUERY_DATASET: required().pipe(
    z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, "must be a dataset id: letters, digits and _"),
  ),
  BIGQUERY_LOCATION: z.preprocess((v) => blankToUndefined(v) ?? "US", z.string().min(2)),
});

/** The job's configuration: the request body's fields as environment variables. */
export function readJobConfig(env: NodeJS.ProcessEnv = process.env): JobConfig {
  registerEnvSecrets(env, ["INTERCOM_ACCESS_TOKEN"]);
  const v = parseOptions(jobSchema, env, "intercom-bigquery environment");
  return {
    request: {
      intercom: { accessToken: v.INTERCOM_ACCESS_TOKEN.trim(), entities: v.INTERCOM_STREAMS as Entity[] },
      bq: { project_id: v.BIGQUERY_PROJECT, dataset_id: v.BIGQUERY_DATASET, location: v.BIGQUERY_LOCATION },
    },
    settings: settingsOf(v),
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}
