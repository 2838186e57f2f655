/**
 * Human-readable log lines for a person at a terminal: the JSON lines pino writes (already
 * redacted by core's logger) become `08:31:02 INFO  fargate-load: loading  stream=contacts`.
 * A ConfigError never prints a stack: its issues are the useful part. Containers (stderr not
 * a TTY) keep the JSON lines.
 */
const LEVEL_WIDTH = 5;
/** Fields every line has or that the line prints on its own. */
const SKIP = new Set(["level", "time", "pid", "hostname", "name", "msg", "err", "error"]);

interface SerialisedError {
  type?: string;
  code?: string;
  message?: string;
  stack?: string;
}

/** One JSON log line as one (or, for an error with a stack, a few) human-readable lines. */
export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
  const level = String(entry.level ?? "info")
    .toUpperCase()
    .padEnd(LEVEL_WIDTH);
  const name = typeof entry.name === "string" ? `${entry.name}: ` : "";
  const fields = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  const err = (entry.err ?? entry.error) as SerialisedError | undefined;
  const errText = err && typeof err === "object" ? describeSerialisedError(err) : "";
  const head = [`${time} ${level} ${name}${String(entry.msg ?? "")}`, ...fields].join("  ");
  return `${head}${errText}\n`;
}

function describeSerialisedError(err: SerialisedError): string {
  const summary = `\n    ${err.type ?? "Error"}${err.code ? ` (${err.code})` : ""}: ${err.message ?? ""}`;
  const isConfig = err.code === "config_invalid" || err.type === "ConfigError";
  if (isConfig || !err.stack) return summary;
  const frames = err.stack
    .split("\n")
    .filter((l) => l.trimStart().startsWith("at "))
    .map((l) => `\n      ${l.trim()}`);
  return summary + frames.join("");
}

/** A pino destination that writes `formatLogLine` of each JSON line to `out`, synchronously. */
export function prettyDestination(out: { write(text: string): unknown }): { write(chunk: string): void } {
  let pending = "";
  return {
    write(chunk: string) {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) out.write(formatLogLine(line));
        newline = pending.indexOf("\n");
      }
    },
  };
}
