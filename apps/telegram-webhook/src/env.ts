/**
 * The only place telegram-webhook reads `process.env`. Every bad variable is listed in one
 * ConfigError; the secret token and the bot token are registered for redaction first. AWS
 * settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3) are read by the AWS SDK itself.
 */
import {
  blankToUndefined,
  bool,
  type LogLevel,
  logLevelFields,
  registerEnvSecrets,
  required,
  type SentryConfig,
  s3Bucket,
  sentryConfig,
  sentryFields,
  timeZone,
} from "@sluice/app-kit";
import { ConfigError, zodIssues } from "@sluice/core";
import { z } from "zod";

export interface WebhookConfig {
  /** The secret token itself (TELEGRAM_SECRET_TOKEN)… */
  secretToken?: string | undefined;
  /** …or the Secrets Manager secret holding it (TELEGRAM_SECRET_TOKEN_SECRET_ARN), read at start. */
  secretTokenArn?: string | undefined;
  rawBucket: string;
  rawPrefix: string;
  timeZone: string;
  port: number;
  forcePathStyle: boolean;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

export interface PollConfig {
  botToken: string;
  apiUrl: string;
  rawBucket: string;
  rawPrefix: string;
  timeZone: string;
  /** Where the committed getUpdates offset lives, in the raw bucket. */
  stateKey: string;
  pollTimeoutSeconds: number;
  forcePathStyle: boolean;
  logLevel: LogLevel;
}

export interface BotCommandConfig {
  botToken: string;
  apiUrl: string;
  logLevel: LogLevel;
}

const SECRET_NAMES = ["TELEGRAM_SECRET_TOKEN", "TELEGRAM_BOT_TOKEN"];

/** A key prefix: "telegram/" by default, "" allowed, "/" appended when missing, no placeholders. */
export const keyPrefix = z.preprocess(
  (v) => (v === undefined ? "telegram/" : v),
  z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .refine((p) => !/[{}]/.test(p), "must not contain { or }")
    .transform((p) => (p === "" || p.endsWith("/") ? p : `${p}/`)),
);

/** Telegram's rule for secret_token. */
export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

const schema = z.object({
  TELEGRAM_SECRET_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().regex(SECRET_TOKEN_PATTERN, "must be 1-256 characters of A-Z a-z 0-9 _ -").optional(),
  ),
  TELEGRAM_SECRET_TOKEN_SECRET_ARN: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^arn:aws[\w-]*:secretsmanager:/, "must be a Secrets Manager secret ARN")
      .optional(),
  ),
  RAW_BUCKET: s3Bucket,
  RAW_PREFIX: keyPrefix,
  PARTITION_TZ: timeZone(),
  PORT: z.preprocess(
    (v) => blankToUndefined(v) ?? "8080",
    z.coerce.number().int("must be a port number").min(0).max(65_535, "must be a port number"),
  ),
  S3_FORCE_PATH_STYLE: bool(false),
  ...logLevelFields,
  ...sentryFields,
});

const commandSchema = z.object({
  TELEGRAM_BOT_TOKEN: required("is required (the token BotFather gave)").pipe(
    z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF…"),
  ),
  TELEGRAM_API_URL: z.preprocess(
    (v) => blankToUndefined(v) ?? "https://api.telegram.org",
    z.url("must be a URL"),
  ),
  ...logLevelFields,
});

const pollSchema = commandSchema.extend({
  RAW_BUCKET: s3Bucket,
  RAW_PREFIX: keyPrefix,
  PARTITION_TZ: timeZone(),
  STATE_KEY: z.preprocess(blankToUndefined, z.string().min(1).optional()),
  POLL_TIMEOUT_SECONDS: z.preprocess(
    (v) => blankToUndefined(v) ?? "30",
    z.coerce.number().int("must be whole seconds").min(0).max(50, "must be at most 50 (seconds)"),
  ),
  S3_FORCE_PATH_STYLE: bool(false),
});

/** The `poll` command: getUpdates → the raw layout, for bots without a public URL. */
export function readPollConfig(env: NodeJS.ProcessEnv = process.env): PollConfig {
  registerEnvSecrets(env, SECRET_NAMES);
  const r = pollSchema.safeParse(env);
  if (!r.success) throw new ConfigError("telegram-webhook poll environment", zodIssues(r.error));
  const v = r.data;
  return {
    botToken: v.TELEGRAM_BOT_TOKEN,
    apiUrl: v.TELEGRAM_API_URL,
    rawBucket: v.RAW_BUCKET,
    rawPrefix: v.RAW_PREFIX,
    timeZone: v.PARTITION_TZ,
    stateKey: v.STATE_KEY ?? `${v.RAW_PREFIX}_state/getupdates.json`,
    pollTimeoutSeconds: v.POLL_TIMEOUT_SECONDS,
    forcePathStyle: v.S3_FORCE_PATH_STYLE,
    logLevel: v.LOG_LEVEL,
  };
}

export function readWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  registerEnvSecrets(env, SECRET_NAMES);
  const r = schema.safeParse(env);
  const issues = r.success ? [] : zodIssues(r.error);
  const given = (name: string) => blankToUndefined(env[name]) !== undefined;
  if (!given("TELEGRAM_SECRET_TOKEN") && !given("TELEGRAM_SECRET_TOKEN_SECRET_ARN")) {
    issues.push({
      field: "TELEGRAM_SECRET_TOKEN",
      message:
        "is required (the secret_token given to setWebhook), or TELEGRAM_SECRET_TOKEN_SECRET_ARN naming the secret that holds it",
    });
  }
  if (!r.success || issues.length > 0) throw new ConfigError("telegram-webhook environment", issues);
  const v = r.data;
  return {
    secretToken: v.TELEGRAM_SECRET_TOKEN,
    secretTokenArn: v.TELEGRAM_SECRET_TOKEN ? undefined : v.TELEGRAM_SECRET_TOKEN_SECRET_ARN,
    rawBucket: v.RAW_BUCKET,
    rawPrefix: v.RAW_PREFIX,
    timeZone: v.PARTITION_TZ,
    port: v.PORT,
    forcePathStyle: v.S3_FORCE_PATH_STYLE,
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}

export function readBotCommandConfig(env: NodeJS.ProcessEnv = process.env): BotCommandConfig {
  registerEnvSecrets(env, SECRET_NAMES);
  const r = commandSchema.safeParse(env);
  if (!r.success) throw new ConfigError("telegram-webhook command environment", zodIssues(r.error));
  return { botToken: r.data.TELEGRAM_BOT_TOKEN, apiUrl: r.data.TELEGRAM_API_URL, logLevel: r.data.LOG_LEVEL };
}

/** The webhook secret, for the set-webhook command (optional there). */
export function readOptionalSecretToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  registerEnvSecrets(env, SECRET_NAMES);
  return blankToUndefined(env.TELEGRAM_SECRET_TOKEN) as string | undefined;
}
