import { createSocket } from "node:dgram";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CancelledError,
  ConfigError,
  PipelineError,
  type RunReport,
  registerSecret,
  TransientError,
} from "@sluice/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { required } from "./env.js";
import { describeError, EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, runTask, type TaskConfig } from "./task.js";

/** A local HTTP endpoint standing in for Sentry's ingest: records every request body. */
async function fakeSentry() {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://0123456789abcdef@127.0.0.1:${port}/42`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function report(status: RunReport["status"]): RunReport {
  const at = new Date(0).toISOString();
  return {
    runId: "run-1",
    source: "memory",
    sink: "memory",
    status,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    records: 0,
    bytes: 0,
    streams: [],
  };
}

describe("describeError", () => {
  it("lists every field of a ConfigError on one line", () => {
    const error = new ConfigError("demo environment", [
      { field: "S3_BUCKET", message: "is required" },
      { field: "LOG_LEVEL", message: 'must be one of info, debug (got "loud")' },
      { field: "", message: "is broken" },
    ]);
    expect(describeError(error)).toBe(
      'config_invalid: invalid demo environment: S3_BUCKET is required; LOG_LEVEL must be one of info, debug (got "loud"); (root) is broken',
    );
  });

  it("unwraps a PipelineError to its cause, on one line, redacted", () => {
    registerSecret("pw-describe-error-1");
    const cause = new TransientError("connect failed\n  for mysql://u:pw-describe-error-1@db/x");
    const line = describeError(new PipelineError(cause, report("failed")));
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(/^transient: connect failed for mysql:\/\/u:/);
    expect(line).not.toContain("pw-describe-error-1");
    const wrappedConfig = new PipelineError(
      new ConfigError("sink options", [{ field: "table", message: "bad" }]),
      report("failed"),
    );
    expect(describeError(wrappedConfig)).toBe("config_invalid: invalid sink options: table bad");
  });
});

describe("runTask", () => {
  const stderr: string[] = [];
  const config: TaskConfig = { logLevel: "silent" };
  afterEach(() => {
    vi.restoreAllMocks();
    stderr.length = 0;
  });
  const captureStderr = () =>
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });

  it("returns 0 when the run succeeds, with the config, a signal and a logger", async () => {
    captureStderr();
    const run = vi.fn(async () => report("succeeded"));
    const code = await runTask({ name: "unit-ok", readConfig: () => config, run });
    expect(code).toBe(EXIT_OK);
    expect(code).toBe(0);
    expect(run).toHaveBeenCalledOnce();
    const [given, ctx] = run.mock.calls[0] as unknown as [
      TaskConfig,
      { signal: AbortSignal; logger: unknown },
    ];
    expect(given).toBe(config);
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.logger).toBeDefined();
    expect(stderr).toEqual([]);
  });

  it("returns 1 on failure with one final stderr line naming the task and the error", async () => {
    captureStderr();
    const code = await runTask({
      name: "unit-fail",
      readConfig: () => config,
      run: async () => {
        throw new PipelineError(new TransientError("upstream 503"), report("failed"));
      },
    });
    expect(code).toBe(EXIT_FAILED);
    expect(code).toBe(1);
    expect(stderr).toEqual(["unit-fail failed: transient: upstream 503\n"]);
  });

  it("returns 1 for a bad configuration, listing every field, without running", async () => {
    captureStderr();
    const run = vi.fn(async () => report("succeeded"));
    const code = await runTask<TaskConfig>({
      name: "unit-config",
      readConfig: () => {
        throw new ConfigError("unit-config environment", [
          { field: "A", message: "is required" },
          { field: "B", message: "must be a number" },
        ]);
      },
      run,
    });
    expect(code).toBe(1);
    expect(run).not.toHaveBeenCalled();
    expect(stderr).toEqual([
      "unit-config failed: config_invalid: invalid unit-config environment: A is required; B must be a number\n",
    ]);
  });

  it("returns 143 when the run is cancelled, and does not report it to Sentry", async () => {
    captureStderr();
    const sentry = await fakeSentry();
    const withSentry: TaskConfig = { logLevel: "silent", sentry: { dsn: sentry.dsn } };
    const code = await runTask({
      name: "unit-cancel",
      readConfig: () => withSentry,
      run: async () => {
        throw new PipelineError(new CancelledError("Run cancelled by SIGTERM"), report("cancelled"));
      },
    });
    expect(code).toBe(EXIT_CANCELLED);
    expect(code).toBe(143);
    expect(stderr).toEqual(["unit-cancel failed: cancelled: Run cancelled by SIGTERM\n"]);
    await sentry.close();
    expect(sentry.bodies).toEqual([]);
  });

  it("reports a failure to Sentry when a DSN is set, scrubbed, without changing the exit code", async () => {
    captureStderr();
    const sentry = await fakeSentry();
    registerSecret("tok-sentry-unit-secret-9");
    const code = await runTask({
      name: "unit-sentry",
      readConfig: (): TaskConfig => ({
        logLevel: "silent",
        sentry: { dsn: sentry.dsn, environment: "unit" },
      }),
      run: async () => {
        throw new TransientError("upstream refused tok-sentry-unit-secret-9");
      },
    });
    expect(code).toBe(1);
    await sentry.close();
    expect(sentry.bodies).toHaveLength(1);
    const body = sentry.bodies[0] ?? "";
    expect(body).toContain('"task":"unit-sentry"');
    expect(body).toContain('"environment":"unit"');
    expect(body).toContain("upstream refused");
    expect(body).not.toContain("tok-sentry-unit-secret-9");
  });

  it("maps a non-Sluice error to a single line and exit 1", async () => {
    captureStderr();
    const code = await runTask({
      name: "unit-raw",
      readConfig: () => config,
      run: async () => {
        throw new Error("boom\nsecond line");
      },
    });
    expect(code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^unit-raw failed: [a-z_]+: .*boom second line\n$/);
  });
});

describe("runTask at a terminal, --help, and Datadog", () => {
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, write: (t: string) => chunks.push(t), text: () => chunks.join("") };
  };
  const help = {
    summary: "a unit-test task",
    schema: z.object({ A: required().describe("the A variable") }),
    example: "A=1 node dist/main.js",
  };

  it("answers --help and -h with the variables and exits 0 without reading the config", async () => {
    for (const flag of ["--help", "-h"]) {
      const stdout = sink();
      const readConfig = vi.fn((): TaskConfig => config0);
      const code = await runTask(
        { name: "unit-help", readConfig, run: async () => report("succeeded"), help },
        { argv: [flag], stdout, stderr: sink(), isTTY: false },
      );
      expect(code).toBe(0);
      expect(readConfig).not.toHaveBeenCalled();
      expect(stdout.text()).toMatch(/^unit-help: a unit-test task\n/);
      expect(stdout.text()).toMatch(/^ {2}A {2}required {2}the A variable$/m);
      expect(stdout.text()).toContain("A=1 node dist/main.js");
    }
  });

  it("at a terminal: readable lines on stderr, no JSON, no stack for a ConfigError, a --help hint", async () => {
    const stdout = sink();
    const stderr = sink();
    const code = await runTask<TaskConfig>(
      {
        name: "unit-tty",
        readConfig: () => {
          throw new ConfigError("unit-tty environment", [{ field: "A", message: "is required" }]);
        },
        run: async () => report("succeeded"),
        help,
      },
      { argv: [], stdout, stderr, isTTY: true },
    );
    expect(code).toBe(1);
    const text = stderr.text();
    expect(text).not.toMatch(/^\{/m);
    expect(text).not.toContain("    at ");
    expect(text).toMatch(/^\d\d:\d\d:\d\d ERROR unit-tty: unit-tty failed {2}code=config_invalid/m);
    expect(text.length).toBeLessThan(600);
    expect(stderr.chunks.at(-1)).toBe(
      "unit-tty failed: config_invalid: invalid unit-tty environment: A is required (unit-tty --help lists the variables)\n",
    );
  });

  it("not at a terminal: JSON lines, and a ConfigError logged without its stack", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const code = await runTask<TaskConfig>(
      {
        name: "unit-json",
        readConfig: () => {
          throw new ConfigError("unit-json environment", [{ field: "A", message: "is required" }]);
        },
        run: async () => report("succeeded"),
      },
      { argv: [], stderr: sink(), isTTY: false },
    );
    vi.restoreAllMocks();
    expect(code).toBe(1);
    const entry = JSON.parse(lines.find((l) => l.includes("unit-json failed")) ?? "{}");
    expect(entry).toMatchObject({ level: "error", code: "config_invalid", err: { type: "ConfigError" } });
    expect(entry.err.stack ?? "").toBe("");
    // the stable shape documented in docs/logging.md
    expect(entry).toMatchObject({ name: "unit-json", pid: process.pid, msg: "unit-json failed" });
    expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(entry.err.issues).toEqual([{ field: "A", message: "is required" }]);
  });

  it("sends run metrics over UDP when Datadog is configured", async () => {
    const agent = createSocket("udp4");
    const received: string[] = [];
    agent.on("message", (m) => received.push(m.toString()));
    await new Promise<void>((r) => agent.bind(0, "127.0.0.1", r));
    const { port } = agent.address() as AddressInfo;
    const code = await runTask(
      {
        name: "unit-dd",
        readConfig: (): TaskConfig => ({
          logLevel: "silent",
          datadog: { host: "127.0.0.1", port, tags: [] },
        }),
        run: async () => report("succeeded"),
      },
      { argv: [], stderr: sink(), isTTY: false },
    );
    expect(code).toBe(0);
    const deadline = Date.now() + 5_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await new Promise<void>((r) => agent.close(() => r()));
    expect(received.join("\n")).toContain("sluice.run.count:1|c|#task:unit-dd,status:succeeded");
  });
});

const config0: TaskConfig = { logLevel: "silent" };
