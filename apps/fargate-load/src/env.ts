/**
 * The only place fargate-load reads `process.env`: variables are validated with zod, every bad
 * one is listed by name in one ConfigError, and the database password is registered for
 * redaction before anything can log it. AWS settings (AWS_REGION, credentials,
 * AWS_ENDPOINT_URL_S3, AWS_REQUEST_CHECKSUM_CALCULATION ...) are read by the AWS SDK itself.
 */
import { ConfigError, type ConfigIssue, registerSecret, zodIssues } from "@sluice/core";
import { STREAMS } from "@sluice/sink-aurora";
import { z } from "zod";

/** Streams the load can land: those the Aurora sink has tables for. */
export const LOAD_STREAMS: readonly string[] = STREAMS;

export const INPUT_FORMATS = ["json", "jsonl", "csv", "parquet"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export const LOAD_MODES = ["replace", "append", "upsert"] as const;
export type LoadMode = (typeof LOAD_MODES)[number];
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the rows go: a MySQL/Aurora URL, its parts, or the sink's embedded SQLite (demo). */
export type DatabaseTarget =
  | { url: string }
  | { host: string; port: number; user: string; password?: string | undefined; database: string }
  | { embedded: { sqlite: string } };

export interface LoadConfig {
  s3: { bucket: string; prefix: string; forcePathStyle: boolean };
  /** Streams to load, e.g. ["contacts", "conversations"]. */
  streams: string[];
  mode: LoadMode;
  input: { format: InputFormat; gzip: boolean };
  database: DatabaseTarget;
  logLevel: LogLevel;
  sentry?: { dsn: string; environment?: string | undefined } | undefined;
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const required = (what = "is required") =>
  z.preprocess(
    blankToUndefined,
    z.string({ error: (i) => (i.input === undefined ? what : "must be a string") }),
  );

const optionalString = z.preprocess(blankToUndefined, z.string().optional());

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

const s3Prefix = z.preprocess(
  (v) => (v === undefined ? "data/" : v),
  z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .transform((p) => (p === "" || p.endsWith("/") ? p : `${p}/`)),
);

const schema = z.object({
  S3_BUCKET: required().pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 chars: a-z 0-9 . -)"),
  ),
  S3_PREFIX: s3Prefix,
  S3_FORCE_PATH_STYLE: bool(false),
  LOAD_STREAMS: streamList(LOAD_STREAMS, "contacts,conversations"),
  LOAD_MODE: oneOf(LOAD_MODES, "replace"),
  INPUT_FORMAT: oneOf(INPUT_FORMATS, "json"),
  INPUT_GZIP: bool(false),
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
  LOG_LEVEL: oneOf(LOG_LEVELS, "info"),
  SENTRY_DSN: z.preprocess(blankToUndefined, z.url({ error: "must be a Sentry DSN URL" }).optional()),
  SENTRY_ENVIRONMENT: optionalString,
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
  registerSecret(env.SENTRY_DSN?.trim());
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
    s3: { bucket: v.S3_BUCKET, prefix: v.S3_PREFIX, forcePathStyle: v.S3_FORCE_PATH_STYLE },
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
    logLevel: v.LOG_LEVEL,
    sentry: v.SENTRY_DSN ? { dsn: v.SENTRY_DSN, environment: v.SENTRY_ENVIRONMENT } : undefined,
  };
}

/** The database variables that parse on their own (for the cross-field check of a failed parse). */
function partialParse(env: NodeJS.ProcessEnv): Partial<Parsed> {
  const db = schema.pick({ DATABASE_URL: true, DB_HOST: true, DB_USER: true, DB_NAME: true }).safeParse(env);
  return db.success ? db.data : {};
}
