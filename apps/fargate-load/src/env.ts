/**
 * The only place fargate-load reads `process.env`: variables are validated with zod, every bad
 * one is listed by name in one ConfigError, and the database password is registered for
 * redaction before anything can log it. AWS settings (AWS_REGION, credentials,
 * AWS_ENDPOINT_URL_S3, AWS_REQUEST_CHECKSUM_CALCULATION ...) are read by the AWS SDK itself.
 */
import {
  blankToUndefined,
  bool,
  type DataFormat,
  dataFormat,
  type LogLevel,
  logLevelFields,
  oneOf,
  optionalString,
  registerEnvSecrets,
  type S3Location,
  type SentryConfig,
  s3Fields,
  s3Location,
  sentryConfig,
  sentryFields,
  streamList,
} from "@sluice/app-kit";
import { ConfigError, type ConfigIssue, registerSecret, zodIssues } from "@sluice/core";
import { INTERCOM_LAYOUT_STREAMS } from "@sluice/source-intercom";
import { z } from "zod";

export type { LogLevel } from "@sluice/app-kit";

/** Streams the load can land: those Intercom has a table layout for. */
export const LOAD_STREAMS: readonly string[] = INTERCOM_LAYOUT_STREAMS;

export type InputFormat = DataFormat;
export const LOAD_MODES = ["replace", "append", "upsert"] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

/** Where the rows go: a MySQL/Aurora URL, its parts, or the sink's embedded SQLite (demo). */
export type DatabaseTarget =
  | { url: string }
  | { host: string; port: number; user: string; password?: string | undefined; database: string }
  | { embedded: { sqlite: string } };

export interface LoadConfig {
  s3: S3Location;
  /** Streams to load, e.g. ["contacts", "conversations"]. */
  streams: string[];
  mode: LoadMode;
  input: { format: InputFormat; gzip: boolean };
  database: DatabaseTarget;
  /** ALLOW_EMPTY_REPLACE=true: an empty input may empty a populated table in replace mode. */
  allowEmptyReplace?: boolean | undefined;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const schema = z.object({
  ...s3Fields,
  LOAD_STREAMS: streamList(LOAD_STREAMS, "contacts,conversations"),
  LOAD_MODE: oneOf(LOAD_MODES, "replace"),
  INPUT_FORMAT: dataFormat,
  INPUT_GZIP: bool(false),
  ALLOW_EMPTY_REPLACE: bool(false),
  DATABASE_URL: optionalString,
  DB_HOST: optionalString,
  DB_PORT: z.preprocess(
    (v) => blankToUndefined(v) ?? "3306",
    z.coerce
      .number({ error: "must be a port number" })
      .int("must be a port number")
      .min(1, "must be a port number")
      .max(65_535, "must be a port number"),
  ),
  DB_USER: optionalString,
  DB_PASSWORD: z.string().optional(),
  DB_NAME: optionalString,
  ...logLevelFields,
  ...sentryFields,
});

type Parsed = z.output<typeof schema>;

function databaseIssues(v: Partial<Parsed>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (v.DATABASE_URL !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(v.DATABASE_URL);
    } catch {
      issues.push({
        field: "DATABASE_URL",
        message: "must be a URL: mysql://user:password@host:3306/database",
      });
    }
    if (url) {
      if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
        issues.push({ field: "DATABASE_URL", message: "scheme must be mysql:// (or mariadb://)" });
      }
      if (url.pathname.replace(/^\//, "") === "") {
        issues.push({
          field: "DATABASE_URL",
          message: "must name the database: mysql://user:password@host:3306/database",
        });
      }
    }
    const parts = (["DB_HOST", "DB_USER", "DB_NAME"] as const).filter((k) => v[k] !== undefined);
    if (parts.length > 0) {
      issues.push({ field: "DATABASE_URL", message: `give DATABASE_URL or ${parts.join("/")}, not both` });
    }
  } else {
    for (const k of ["DB_HOST", "DB_USER", "DB_NAME"] as const) {
      if (v[k] === undefined) issues.push({ field: k, message: "is required (or set DATABASE_URL)" });
    }
  }
  return issues;
}

/** Reads and validates the environment. Throws a ConfigError naming every bad variable. */
export function readLoadConfig(env: NodeJS.ProcessEnv = process.env): LoadConfig {
  registerSecret(env.DB_PASSWORD);
  registerEnvSecrets(env);
  if (env.DATABASE_URL) {
    try {
      const u = new URL(env.DATABASE_URL.trim());
      registerSecret(u.password);
      registerSecret(decodeURIComponent(u.password));
    } catch {
      // reported below; the value itself is never echoed
    }
  }
  const result = schema.safeParse(env);
  // cross-field checks run on whatever parsed, so one error lists every bad variable
  const partial = (result.success ? result.data : partialParse(env)) as Partial<Parsed>;
  const issues = [...(result.success ? [] : zodIssues(result.error)), ...databaseIssues(partial)];
  if (issues.length > 0 || !result.success) throw new ConfigError("fargate-load environment", issues);
  const v = result.data;
  return {
    s3: s3Location(v),
    streams: v.LOAD_STREAMS,
    mode: v.LOAD_MODE,
    input: { format: v.INPUT_FORMAT, gzip: v.INPUT_GZIP },
    database:
      v.DATABASE_URL !== undefined
        ? { url: v.DATABASE_URL.trim() }
        : {
            host: v.DB_HOST!,
            port: v.DB_PORT,
            user: v.DB_USER!,
            password: v.DB_PASSWORD,
            database: v.DB_NAME!,
          },
    ...(v.ALLOW_EMPTY_REPLACE ? { allowEmptyReplace: true } : {}),
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}

/** The database variables that parse on their own (for the cross-field check of a failed parse). */
function partialParse(env: NodeJS.ProcessEnv): Partial<Parsed> {
  const db = schema.pick({ DATABASE_URL: true, DB_HOST: true, DB_USER: true, DB_NAME: true }).safeParse(env);
  return db.success ? db.data : {};
}
