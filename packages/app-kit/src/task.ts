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
import { type AppHelp, formatHelp, wantsHelp } from "./help.js";
import { type DatadogConfig, dogStatsd, runMetrics, sendMetrics } from "./metrics.js";
import { prettyDestination } from "./pretty.js";

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
  /** Set: run metrics are sent to this DogStatsD agent. */
  datadog?: DatadogConfig | undefined;
}

export interface TaskDefinition<C extends TaskConfig> {
  /** "fargate-extract": the logger name and the prefix of the final stderr line. */
  name: string;
  /** Reads and validates the configuration (the app's only reader of `process.env`). */
  readConfig(): C;
  run(config: C, ctx: TaskContext): Promise<RunReport>;
  /** `--help`/`-h` prints this (variables from the env schema) and exits 0 without reading the config. */
  help?: AppHelp;
}

/** The process around the task; tests inject their own. */
export interface TaskIO {
  /** Command-line arguments after the script; default `process.argv.slice(2)`. */
  argv?: readonly string[];
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /**
   * A person at a terminal: human-readable logs on stderr instead of JSON lines on stdout.
   * Default `process.stderr.isTTY`.
   */
  isTTY?: boolean;
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
export async function runTask<C extends TaskConfig>(
  task: TaskDefinition<C>,
  io: TaskIO = {},
): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  if (task.help && wantsHelp(io.argv ?? process.argv.slice(2))) {
    (io.stdout ?? process.stdout).write(formatHelp(task.name, task.help));
    return EXIT_OK;
  }
  const pretty = io.isTTY ?? process.stderr.isTTY === true;
  const makeLogger = (level: string) =>
    createLogger({
      name: task.name,
      level: level as "info",
      ...(pretty ? { destination: prettyDestination(stderr) } : {}),
    });
  let logger = makeLogger("info");
  let config: C | undefined;
  const shutdown = shutdownSignal({ logger: proxy(() => logger) });
  try {
    config = task.readConfig();
    logger = makeLogger(config.logLevel);
    logger.info({ config: redactValue(summarise(config)) }, `${task.name} starting`);
    const report = await task.run(config, { signal: shutdown.signal, logger });
    logger.info({ report }, `${task.name} succeeded`);
    await sendRunMetrics(config, task.name, report, logger);
    return EXIT_OK;
  } catch (thrown) {
    const cancelled = shutdown.signal.aborted || thrown instanceof CancelledError || isCancelled(thrown);
    const error =
      cancelled && !(thrown instanceof SluiceError) ? new CancelledError() : toSluiceError(thrown);
    const report = error instanceof PipelineError ? error.report : undefined;
    logger.error(
      { err: errorForLog(error), code: error.code, ...(report ? { report } : {}) },
      `${task.name} failed`,
    );
    if (config && report) await sendRunMetrics(config, task.name, report, logger);
    if (config?.sentry && !cancelled) await reportToSentry(config.sentry, task.name, error, logger);
    const hint = task.help && configErrorOf(error) ? ` (${task.name} --help lists the variables)` : "";
    stderr.write(`${task.name} failed: ${describeError(error)}${hint}\n`);
    return cancelled ? EXIT_CANCELLED : EXIT_FAILED;
  } finally {
    shutdown.dispose();
  }
}

function configErrorOf(error: SluiceError): ConfigError | undefined {
  const cause = error instanceof PipelineError ? error.cause : error;
  return cause instanceof ConfigError ? cause : undefined;
}

/** The error as logged: a ConfigError without its stack (the issues are what helps). */
function errorForLog(error: SluiceError): unknown {
  const config = configErrorOf(error);
  if (!config) return error;
  const copy = Object.create(Object.getPrototypeOf(config) as object) as ConfigError;
  Object.assign(copy, config);
  Object.defineProperties(copy, {
    message: { value: config.message, enumerable: false },
    stack: { value: undefined, enumerable: false },
  });
  return copy;
}

async function sendRunMetrics(config: TaskConfig, name: string, report: RunReport, logger: Logger) {
  if (config.datadog) await sendMetrics(dogStatsd(config.datadog), runMetrics(name, report), logger);
}

function isCancelled(e: unknown): boolean {
  return e instanceof PipelineError && e.code === "cancelled";
}

/** The config without secrets, for the start log line. */
function summarise(config: object): object {
  const { sentry, datadog, ...rest } = config as { sentry?: unknown; datadog?: unknown };
  return { ...rest, sentry: sentry ? "enabled" : "disabled", ...(datadog ? { datadog } : {}) };
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
