/**
 * The only place telegram-daily reads `process.env`. Every bad variable is listed in one
 * ConfigError. AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3) are read by the SDK.
 */
import {
  blankToUndefined,
  bool,
  type LogLevel,
  logLevelFields,
  registerEnvSecrets,
  type SentryConfig,
  s3Bucket,
  sentryConfig,
  sentryFields,
  timeZone,
} from "@sluice/app-kit";
import { ConfigError, zodIssues } from "@sluice/core";
import { isIsoDay } from "@sluice/source-telegram";
import { z } from "zod";

export interface DailyConfig {
  rawBucket: string;
  rawPrefix: string;
  enrichedBucket: string;
  enrichedPrefix: string;
  timeZone: string;
  /** The day to process; unset: yesterday in `timeZone` at run time. */
  date?: string | undefined;
  skipInvalid: boolean;
  forcePathStyle: boolean;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const keyPrefix = z.preprocess(
  (v) => (v === undefined ? "telegram/" : v),
  z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .refine((p) => !/[{}]/.test(p), "must not contain { or }")
    .transform((p) => (p === "" || p.endsWith("/") ? p : `${p}/`)),
);

const schema = z.object({
  RAW_BUCKET: s3Bucket,
  RAW_PREFIX: keyPrefix,
  ENRICHED_BUCKET: s3Bucket,
  ENRICHED_PREFIX: keyPrefix,
  PARTITION_TZ: timeZone(),
  DATE: z.preprocess(
    blankToUndefined,
    z.string().refine(isIsoDay, "must be a date written YYYY-MM-DD").optional(),
  ),
  SKIP_INVALID: bool(false),
  S3_FORCE_PATH_STYLE: bool(false),
  ...logLevelFields,
  ...sentryFields,
});

export function readDailyConfig(env: NodeJS.ProcessEnv = process.env): DailyConfig {
  registerEnvSecrets(env);
  const r = schema.safeParse(env);
  if (!r.success) throw new ConfigError("telegram-daily environment", zodIssues(r.error));
  const v = r.data;
  return {
    rawBucket: v.RAW_BUCKET,
    rawPrefix: v.RAW_PREFIX,
    enrichedBucket: v.ENRICHED_BUCKET,
    enrichedPrefix: v.ENRICHED_PREFIX,
    timeZone: v.PARTITION_TZ,
    date: v.DATE,
    skipInvalid: v.SKIP_INVALID,
    forcePathStyle: v.S3_FORCE_PATH_STYLE,
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}
