/**
 * The only place stomp-consumer reads `process.env`: every variable validated with zod, every
 * bad one named in one ConfigError, secrets (STOMP_PASSCODE, the SINK_URL password) registered
 * for redaction before anything can log them.
 */
import {
  blankToUndefined,
  type LogLevel,
  logLevelFields,
  oneOf,
  optionalString,
  registerEnvSecrets,
  type SentryConfig,
  STOMP_DESTINATION_PATTERN,
  sentryConfig,
  sentryFields,
  stompFields,
} from "@sluice/app-kit";
import { ConfigError, type ConfigIssue, registerSecret, zodIssues } from "@sluice/core";
import { z } from "zod";

export type SinkTarget =
  | { kind: "mongodb"; url: string }
  | { kind: "mysql"; url: string }
  | { kind: "s3"; bucket: string; prefix: string };

export interface ConsumerConfig {
  stomp: {
    url: string;
    login?: string | undefined;
    passcode?: string | undefined;
    destination: string;
    subscription?: string | undefined;
    deadLetterDestination?: string | undefined;
  };
  sink: SinkTarget;
  table: string;
  recordKey: string[];
  recordSchema: "attendance" | "none";
  batch: { maxRecords: number; maxLatencyMs: number };
  exitWhenIdleMs?: number | undefined;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const positiveInt = (fallback: number, max: number) =>
  z.preprocess(
    (v) => blankToUndefined(v) ?? String(fallback),
    z.coerce
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(max, `must be at most ${max}`),
  );

const schema = z.object({
  ...stompFields,
  STOMP_SUBSCRIPTION: optionalString,
  SINK_URL: z.preprocess(
    blankToUndefined,
    z.string({ error: "is required (mongodb://, mongodb+srv://, mysql:// or s3://)" }),
  ),
  SINK_TABLE: z.preprocess(
    (v) => blankToUndefined(v) ?? "attendances",
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a table/collection name (letters, digits, _)"),
  ),
  RECORD_KEY: z.preprocess(
    (v) => blankToUndefined(v) ?? "_message_id",
    z
      .string()
      .transform((s) => s.split(",").map((k) => k.trim()))
      .refine((keys) => keys.every((k) => k.length > 0), "must be comma-separated field names"),
  ),
  RECORD_SCHEMA: oneOf(["attendance", "none"] as const, "none"),
  DEAD_LETTER_DESTINATION: z.preprocess(
    blankToUndefined,
    z.string().regex(STOMP_DESTINATION_PATTERN, "must be /queue/NAME or /topic/NAME").optional(),
  ),
  BATCH_MAX_RECORDS: positiveInt(500, 16_000),
  BATCH_MAX_MS: positiveInt(1000, 600_000),
  EXIT_WHEN_IDLE_MS: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "must be a whole number of ms" })
      .int("must be a whole number of ms")
      .min(1)
      .optional(),
  ),
  ...logLevelFields,
  ...sentryFields,
});

/** Parses SINK_URL; issues name the variable, never echo the URL (it may hold a password). */
export function parseSinkUrl(url: string): { target?: SinkTarget; issue?: string } {
  const u = url.trim();
  const password = /^[a-z+]+:\/\/[^:@/]*:([^@/]*)@/i.exec(u)?.[1];
  if (password) {
    registerSecret(password);
    registerSecret(decodeURIComponent(password));
  }
  if (/^mongodb(\+srv)?:\/\//.test(u)) {
    if (!/^mongodb(\+srv)?:\/\/[^/]+\/[^/?]+/.test(u)) {
      return { issue: "must name the database (mongodb://host:27017/db)" };
    }
    return { target: { kind: "mongodb", url: u } };
  }
  if (/^(mysql|mariadb):\/\//.test(u)) {
    if (!/^[a-z]+:\/\/[^/]+\/[^/?]+/.test(u))
      return { issue: "must name the database (mysql://host:3306/db)" };
    return { target: { kind: "mysql", url: u } };
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(u);
  if (s3) {
    const prefix = s3[2] ?? "";
    return {
      target: { kind: "s3", bucket: s3[1]!, prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix },
    };
  }
  return { issue: "must start with mongodb://, mongodb+srv://, mysql:// or s3://" };
}

function crossFieldIssues(v: Partial<z.output<typeof schema>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (v.STOMP_SUBSCRIPTION && v.STOMP_DESTINATION && !v.STOMP_DESTINATION.startsWith("/topic/")) {
    issues.push({ field: "STOMP_SUBSCRIPTION", message: "durable subscriptions need a /topic/ destination" });
  }
  if (v.SINK_URL) {
    const { issue } = parseSinkUrl(v.SINK_URL);
    if (issue) issues.push({ field: "SINK_URL", message: issue });
  }
  return issues;
}

/** Reads and validates the environment; throws one ConfigError naming every bad variable. */
export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  registerSecret(env.STOMP_PASSCODE);
  registerEnvSecrets(env);
  if (env.SINK_URL) parseSinkUrl(env.SINK_URL);
  const result = schema.safeParse(env);
  const partial = result.success ? result.data : partialParse(env);
  const issues = [...(result.success ? [] : zodIssues(result.error)), ...crossFieldIssues(partial)];
  if (issues.length > 0 || !result.success) throw new ConfigError("stomp-consumer environment", issues);
  const v = result.data;
  return {
    stomp: {
      url: v.STOMP_URL,
      login: v.STOMP_LOGIN,
      passcode: v.STOMP_PASSCODE,
      destination: v.STOMP_DESTINATION,
      subscription: v.STOMP_SUBSCRIPTION,
      deadLetterDestination: v.DEAD_LETTER_DESTINATION,
    },
    sink: parseSinkUrl(v.SINK_URL).target!,
    table: v.SINK_TABLE,
    recordKey: v.RECORD_KEY,
    recordSchema: v.RECORD_SCHEMA,
    batch: { maxRecords: v.BATCH_MAX_RECORDS, maxLatencyMs: v.BATCH_MAX_MS },
    exitWhenIdleMs: v.EXIT_WHEN_IDLE_MS,
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}

/** The cross-checked variables that parse on their own, each separately. */
function partialParse(env: NodeJS.ProcessEnv): Partial<z.output<typeof schema>> {
  const out: Record<string, unknown> = {};
  for (const key of ["STOMP_DESTINATION", "STOMP_SUBSCRIPTION", "SINK_URL"] as const) {
    const r = schema.shape[key].safeParse(env[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<z.output<typeof schema>>;
}
