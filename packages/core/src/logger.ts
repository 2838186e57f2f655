import { pino } from "pino";
import { redact, redactValue } from "./redact.js";

/** The logging surface Sluice uses: pino-compatible (`info(obj, msg)` / `info(msg)`). */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  name?: string;
  level?: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  /** Where JSON lines go; defaults to stdout. */
  destination?: pino.DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logger (pino) with redaction: secret-named fields are masked and every
 * message and string field passes through `redact`, so tokens and passwords never print.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      name: options.name,
      level: options.level ?? "info",
      base: options.base ?? { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === "string" ? redact(a) : redactValue(a)));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (e: unknown) => redactValue(pino.stdSerializers.err(e as Error)),
        error: (e: unknown) =>
          e instanceof Error ? redactValue(pino.stdSerializers.err(e)) : redactValue(e),
      },
    },
    options.destination,
  );
  return logger as unknown as Logger;
}

/** A logger that discards everything. */
export function silentLogger(): Logger {
  return createLogger({ level: "silent" });
}
