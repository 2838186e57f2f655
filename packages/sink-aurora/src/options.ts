import { type Logger, parseOptions, registerSecret } from "@sluice/core";
import { z } from "zod";

// Staging/old names append 19 characters to the table name; MySQL identifiers are <= 64.
const tableName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,44}$/,
    "must be a plain identifier of at most 45 characters (letters, digits, _)",
  );

const sslSchema = z.union([
  z.boolean(),
  // mysql2 built-in profile, e.g. "Amazon RDS" (bundles the RDS CA certificates)
  z.string().min(1),
  z
    .object({
      ca: z.union([z.string(), z.array(z.string())]).optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      rejectUnauthorized: z.boolean().optional(),
    })
    .strict(),
]);

export const optionsSchema = z
  .object({
    url: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    database: z
      .string()
      .regex(/^[A-Za-z0-9_$-]{1,64}$/, "must be a database name (letters, digits, _ $ -)")
      .optional(),
    /** Table per stream name (beats the stream's layout), plus `sync_state` for checkpoints. */
    tables: z.record(z.string(), tableName).optional(),
    migrationsTable: tableName.default("sluice_schema_migrations"),
    migrate: z.boolean().default(true),
    /** Replace with no records empties a populated table only when this is true. */
    allowEmptyReplace: z.boolean().default(false),
    /** SQLite: staging tables of runs started longer ago than this are swept (MySQL uses locks). */
    staleStagingMs: z
      .number()
      .int()
      .min(0)
      .default(60 * 60 * 1000),
    batchRows: z.number().int().min(1).max(1_000_000).default(2000),
    /** Flush a batch before it reaches this many bytes (keeps INSERTs under max_allowed_packet). */
    batchBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    loadMethod: z.enum(["insert", "load-data"]).optional(),
    ssl: sslSchema.optional(),
    poolSize: z.number().int().min(1).max(100).default(10),
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    embedded: z
      .object({ sqlite: z.string().min(1) })
      .strict()
      .optional(),
    logger: z
      .custom<Logger>((v) => !!v && typeof (v as Logger).info === "function", "must be a Logger")
      .optional(),
  })
  .strict()
  .superRefine(
    (o, ctx) => {
      const targets = [o.url !== undefined, o.host !== undefined, o.embedded !== undefined].filter(
        Boolean,
      ).length;
      if (targets === 0) {
        ctx.addIssue({ code: "custom", path: ["url"], message: "one of url, host or embedded is required" });
      } else if (targets > 1) {
        ctx.addIssue({ code: "custom", path: ["url"], message: "give only one of url, host or embedded" });
      }
      if (typeof o.url === "string") {
        let u: URL | undefined;
        try {
          u = new URL(o.url);
        } catch {
          ctx.addIssue({
            code: "custom",
            path: ["url"],
            message: "not a URL (mysql://user:pass@host:port/db)",
          });
        }
        if (u) {
          if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") {
            ctx.addIssue({ code: "custom", path: ["url"], message: "scheme must be mysql:// or mariadb://" });
          }
          if (!u.hostname) ctx.addIssue({ code: "custom", path: ["url"], message: "host is missing" });
          if (u.pathname.replace(/^\//, "") === "" && o.database === undefined) {
            ctx.addIssue({ code: "custom", path: ["url"], message: "database is missing (mysql://host/db)" });
          }
        }
      }
      const names = Object.values({ sync_state: "sync_state", ...o.tables }).map((t) =>
        String(t).toLowerCase(),
      );
      const dupes = names.filter((t, i) => names.indexOf(t) !== i);
      if (dupes.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["tables"],
          message: `table names must be distinct: ${[...new Set(dupes)].join(", ")}`,
        });
      }
      if (o.host !== undefined && o.database === undefined) {
        ctx.addIssue({ code: "custom", path: ["database"], message: "database is required with host" });
      }
    },
    {
      // Cross-field checks run even when single fields are invalid: the error lists everything.
      when: (payload) => typeof payload.value === "object" && payload.value !== null,
    },
  );

/**
 * The options of `auroraSink`, as given (before defaults).
 *
 * @interface
 */
export type AuroraSinkOptions = z.input<typeof optionsSchema>;

export interface MysqlTarget {
  kind: "mysql";
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: z.output<typeof sslSchema> | undefined;
}
export interface SqliteTarget {
  kind: "sqlite";
  /** File path, or ":memory:". */
  location: string;
}

/** How a target is named in messages (never the URL or the password), lock scopes and locations. */
export interface TargetInfo {
  /** `mysql host:port/db` or `sqlite file`. */
  where: string;
  /** What named locks are scoped to: the database. */
  scope: string;
  /** `database.table` (MySQL) or `file#table` (SQLite). */
  location(table: string): string;
}

export function targetInfo(t: MysqlTarget | SqliteTarget): TargetInfo {
  if (t.kind === "sqlite") {
    return {
      where: `sqlite ${t.location}`,
      scope: t.location,
      location: (table) => `${t.location}#${table}`,
    };
  }
  const db = `${t.host}:${t.port}/${t.database}`;
  return { where: `mysql ${db}`, scope: db, location: (table) => `${t.database}.${table}` };
}

export interface ResolvedOptions {
  target: MysqlTarget | SqliteTarget;
  /** Table overrides by stream name. */
  tables: Record<string, string>;
  stateTable: string;
  migrationsTable: string;
  migrate: boolean;
  allowEmptyReplace: boolean;
  staleStagingMs: number;
  batchRows: number;
  batchBytes: number;
  loadMethod: "insert" | "load-data" | undefined;
  poolSize: number;
  connectTimeoutMs: number;
  logger: Logger | undefined;
}

export function resolveOptions(input: unknown): ResolvedOptions {
  // Register before validation so a password never prints, even inside a ConfigError.
  if (input && typeof input === "object") {
    const i = input as { password?: unknown; url?: unknown };
    if (typeof i.password === "string") registerSecret(i.password);
    if (typeof i.url === "string") {
      try {
        const u = new URL(i.url);
        if (u.password) {
          registerSecret(u.password);
          registerSecret(decodeURIComponent(u.password));
        }
      } catch {
        // reported by the schema
      }
    }
  }
  const o = parseOptions(optionsSchema, input, "auroraSink options");
  const { sync_state: stateTable = "sync_state", ...tables } = o.tables ?? {};
  let target: MysqlTarget | SqliteTarget;
  if (o.embedded) {
    target = { kind: "sqlite", location: o.embedded.sqlite };
  } else if (o.url) {
    const u = new URL(o.url);
    target = {
      kind: "mysql",
      host: u.hostname,
      port: u.port ? Number(u.port) : (o.port ?? 3306),
      user: u.username ? decodeURIComponent(u.username) : (o.user ?? "root"),
      password: u.password ? decodeURIComponent(u.password) : o.password,
      database: u.pathname.replace(/^\//, "")
        ? decodeURIComponent(u.pathname.replace(/^\//, ""))
        : o.database!,
      ssl: o.ssl,
    };
  } else {
    target = {
      kind: "mysql",
      host: o.host!,
      port: o.port ?? 3306,
      user: o.user ?? "root",
      password: o.password,
      database: o.database!,
      ssl: o.ssl,
    };
  }
  return {
    target,
    tables,
    stateTable,
    migrationsTable: o.migrationsTable,
    migrate: o.migrate,
    allowEmptyReplace: o.allowEmptyReplace,
    staleStagingMs: o.staleStagingMs,
    batchRows: o.batchRows,
    batchBytes: o.batchBytes,
    loadMethod: o.loadMethod,
    poolSize: o.poolSize,
    connectTimeoutMs: o.connectTimeoutMs,
    logger: o.logger,
  };
}
