/**
 * The only place fargate-load reads `process.env`: variables are validated with zod, every bad
 * one is listed by name in one ConfigError, and the database password is registered for
 * redaction before anything can log it. AWS settings (AWS_REGION, credentials,
 * AWS_ENDPOINT_URL_S3, AWS_REQUEST_CHECKSUM_CALCULATION ...) are read by the AWS SDK itself.
 */
import {
  type AppHelp,
  bool,
  type DatadogConfig,
  type DataFormat,
  datadogConfig,
  datadogFields,
  dataFormat,
  type LogLevel,
  logLevelFields,
  oneOf,
  optionalString,
  port,
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
import { INTERCOM_STREAMS } from "@sluice/source-intercom";
import { z } from "zod";

export type { LogLevel } from "@sluice/app-kit";

/**
 * Streams the load can land: every stream fargate-extract writes. Those with an Intercom table
 * layout get typed columns; the others (`deleted_conversations`) land by primary key with the
 * record in a `raw` JSON column.
 */
export const LOAD_STREAMS: readonly string[] = INTERCOM_STREAMS;

export type InputFormat = DataFormat;
export const LOAD_MODES = ["replace", "append", "upsert"] as const;
/** Which objects of the extract's layout to read: the full snapshot, or the last incremental run's changes + deletions. */
export const LOAD_INPUTS = ["snapshot", "changes"] as const;
export type LoadInput = (typeof LOAD_INPUTS)[number];
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
  /** `objects`: the snapshot (`users.json` ...) or the changes (`changes/users.json` + `deleted/contacts.json` ...). */
  input: { format: InputFormat; gzip: boolean; objects?: LoadInput | undefined };
  database: DatabaseTarget;
  /** ALLOW_EMPTY_REPLACE=true: an empty input may empty a populated table in replace mode. */
  allowEmptyReplace?: boolean | undefined;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
  /** Set (DD_AGENT_HOST): run metrics go to the Datadog agent as DogStatsD. */
  datadog?: DatadogConfig | undefined;
}

const schema = z.object({
  ...s3Fields,
  LOAD_STREAMS: streamList(LOAD_STREAMS, "contacts,conversations").describe(
    `comma-separated: ${LOAD_STREAMS.join(", ")}`,
  ),
  LOAD_MODE: oneOf(LOAD_MODES, "replace").describe(LOAD_MODES.join(" | ")),
  LOAD_INPUT: oneOf(LOAD_INPUTS, "snapshot").describe(
    "snapshot | changes (the last incremental extract's changes + deletions; needs LOAD_MODE=upsert)",
  ),
  INPUT_FORMAT: dataFormat.describe("json | jsonl | csv | parquet (as fargate-extract wrote it)"),
  INPUT_GZIP: bool(false).describe("the objects are gzipped (.gz)"),
  ALLOW_EMPTY_REPLACE: bool(false).describe(
    "true: a replace load may empty a populated table when the input has zero records",
  ),
  DATABASE_URL: optionalString.describe("mysql://user:password@host:3306/database (or the DB_* variables)"),
  DB_HOST: optionalString.describe("database host (required unless DATABASE_URL)"),
  DB_PORT: port(3306).describe("database port"),
  DB_USER: optionalString.describe("database user (required unless DATABASE_URL)"),
  DB_PASSWORD: z.string().optional().describe("database password (secret; never logged)"),
  DB_NAME: optionalString.describe("database name (required unless DATABASE_URL)"),
  ...logLevelFields,
  ...sentryFields,
  ...datadogFields,
});

/** What `fargate-load --help` prints. */
export const loadHelp: AppHelp = {
  summary: "loads the S3 objects fargate-extract wrote into Aurora MySQL tables (an ECS Fargate task).",
  schema,
  example:
    "S3_BUCKET=my-lake DATABASE_URL=mysql://app:<password>@aurora.example.internal:3306/warehouse node dist/main.js",
  notes: [
    "Give DATABASE_URL or DB_HOST + DB_USER + DB_NAME (+ DB_PASSWORD, DB_PORT), not both. Blank values",
    "count as unset. AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3) are read by the AWS",
    "SDK itself. Exit codes: 0 done, 1 failed (one line on stderr), 143 SIGTERM.",
  ],
};

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
  if (result.success && result.data.LOAD_INPUT === "changes" && result.data.LOAD_MODE !== "upsert") {
    issues.push({
      field: "LOAD_INPUT",
      message: "changes are merged by primary key: LOAD_INPUT=changes needs LOAD_MODE=upsert",
    });
  }
  if (issues.length > 0 || !result.success) throw new ConfigError("fargate-load environment", issues);
  const v = result.data;
  return {
    s3: s3Location(v),
    streams: v.LOAD_STREAMS,
    mode: v.LOAD_MODE,
    input: { format: v.INPUT_FORMAT, gzip: v.INPUT_GZIP, objects: v.LOAD_INPUT },
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
    datadog: datadogConfig(v),
  };
}

/** The database variables that parse on their own (for the cross-field check of a failed parse). */
function partialParse(env: NodeJS.ProcessEnv): Partial<Parsed> {
  const db = schema.pick({ DATABASE_URL: true, DB_HOST: true, DB_USER: true, DB_NAME: true }).safeParse(env);
  return db.success ? db.data : {};
}
