/**
 * The process around a task: logger, SIGTERM → AbortSignal, exit codes, one final line on
 * stderr, optional Sentry (the SDK is imported only when a DSN is configured).
 */
import {
  CancelledError,
  ConfigError,
  createLogger,
  type Logger,
  PipelineError,
  type RunReport,
  redact,
  redactValue,
  SluiceError,
  shutdownSignal,
  toSluiceError,
} from "@sluice/core";
import type { SentryConfig } from "./env.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** 128 + SIGTERM: what a shell reports for a process SIGTERM ended. */
export const EXIT_CANCELLED = 143;

export interface TaskContext {
  signal: AbortSignal;
  logger: Logger;
}

/** What runTask needs from an app's configuration. */
export interface TaskConfig {
  logLevel: string;
  /** Set: failures are reported to Sentry (scrubbed). */
  sentry?: SentryConfig | undefined;
}

export interface TaskDefinition<C extends TaskConfig> {
  /** "fargate-extract": the logger name and the prefix of the final stderr line. */
  name: string;
  /** Reads and validates the configuration (the app's only reader of `process.env`). */
  readConfig(): C;
  run(config: C, ctx: TaskContext): Promise<RunReport>;
}

/** One line: `<code>: <message>`, a ConfigError's issues joined with "; ". Redacted. */
export function describeError(error: SluiceError): string {
  const cause = error instanceof PipelineError ? error.cause : error;
  if (cause instanceof ConfigError && cause.issues.length > 0) {
    const issues = cause.issues.map((i) => `${i.field || "(root)"} ${i.message}`).join("; ");
    const subject = cause.message.split(":")[0]?.replace(/^Invalid /, "") ?? "configuration";
    return redact(`${cause.code}: invalid ${subject}: ${issues}`);
  }
  return redact(`${error.code}: ${error.message}`.replace(/\s*\n\s*/g, " "));
}

/** Runs a task as a process: returns the exit code (the caller exits with it). */
export async function runTask<C extends TaskConfig>(task: TaskDefinition<C>): Promise<number> {
  let logger = createLogger({ name: task.name });
  let sentry: SentryConfig | undefined;
  const shutdown = shutdownSignal({ logger: proxy(() => logger) });
  try {
    const config = task.readConfig();
    sentry = config.sentry;
    logger = createLogger({ name: task.name, level: config.logLevel as "info" });
    logger.info({ config: redactValue(summarise(config)) }, `${task.name} starting`);
    const report = await task.run(config, { signal: shutdown.signal, logger });
    logger.info({ report }, `${task.name} succeeded`);
    return EXIT_OK;
  } catch (thrown) {
    const cancelled = shutdown.signal.aborted || thrown instanceof CancelledError || isCancelled(thrown);
    const error =
      cancelled && !(thrown instanceof SluiceError) ? new CancelledError() : toSluiceError(thrown);
    const line = describeError(error);
    const report = error instanceof PipelineError ? error.report : undefined;
    logger.error({ err: error, code: error.code, ...(report ? { report } : {}) }, `${task.name} failed`);
    if (sentry && !cancelled) await reportToSentry(sentry, task.name, error, logger);
    process.stderr.write(`${task.name} failed: ${line}\n`);
    return cancelled ? EXIT_CANCELLED : EXIT_FAILED;
  } finally {
    shutdown.dispose();
  }
}

function isCancelled(e: unknown): boolean {
  return e instanceof PipelineError && e.code === "cancelled";
}

/** The config without secrets, for the start log line. */
function summarise(config: object): object {
  const { sentry, ...rest } = config as { sentry?: unknown };
  return { ...rest, sentry: sentry ? "enabled" : "disabled" };
}

/** A Logger that forwards to whatever `get()` returns now (the logger is replaced once the level is known). */
function proxy(get: () => Logger): Logger {
  return {
    trace: (o, m) => get().trace(o, m),
    debug: (o, m) => get().debug(o, m),
    info: (o, m) => get().info(o, m),
    warn: (o, m) => get().warn(o, m),
    error: (o, m) => get().error(o, m),
    child: (b) => get().child(b),
  };
}

/** Sends the failure to Sentry; the Sentry SDK is loaded only when a DSN is configured. */
async function reportToSentry(config: SentryConfig, name: string, error: SluiceError, logger: Logger) {
  try {
    const { sendToSentry } = await import("./sentry.js");
    await sendToSentry(config, name, error);
  } catch (e) {
    logger.warn({ err: e }, "could not report the failure to Sentry");
  }
}
