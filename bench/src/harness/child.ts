/**
 * Parent side of the per-scenario child processes. Each measured piece of work runs in its own
 * Node process so its peak RSS is its own: the parent polls /proc/<pid>/status (VmHWM, the
 * kernel's high-water mark of resident memory) every 50 ms, and workers also sample
 * `process.memoryUsage().rss` themselves and report their peak; the larger figure wins.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIST = dirname(dirname(fileURLToPath(import.meta.url)));
export const BENCH_ROOT = dirname(BENCH_DIST);
export const REPO_ROOT = dirname(BENCH_ROOT);
export const WORK_DIR = join(BENCH_ROOT, ".work");

/**
 * The heap cap (MB) the app images set (`NODE_OPTIONS=--max-old-space-size=N` in
 * apps/fargate-extract/Dockerfile), read from there so the bench runs the apps as deployed.
 * Also the cap of the diagnostic re-runs: with it V8 collects before the heap grows, which tells
 * a retained-memory leak (OOM under the cap) from a lazily grown heap (fits).
 */
export const HEAP_CAP_MB = imageHeapCapMb();

function imageHeapCapMb(): number {
  const dockerfile = readFileSync(join(dirname(BENCH_ROOT), "apps/fargate-extract/Dockerfile"), "utf8");
  const m = /--max-old-space-size=(\d+)/.exec(dockerfile);
  if (!m?.[1])
    throw new Error("apps/fargate-extract/Dockerfile sets no --max-old-space-size in NODE_OPTIONS");
  return Number(m[1]);
}
export const WORKER_EXEC_ARGV = ["--openssl-legacy-provider", "--disable-warning=NodeVersionSupportWarning"];

export interface Measured<T> {
  result: T;
  /** Peak resident set size of the child, bytes. */
  peakRss: number;
  /** Wall time from spawn to exit, ms (includes Node start-up). */
  wallMs: number;
}

async function readHwm(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function pollPeak(child: ChildProcess): { stop(): number } {
  let peak = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || child.pid === undefined) return;
    busy = true;
    void readHwm(child.pid).then((v) => {
      peak = Math.max(peak, v);
      busy = false;
    });
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

interface WorkerMessage {
  type: "result" | "error";
  result?: unknown;
  error?: string;
  peakRss: number;
}

/** Runs `dist/workers/<name>.js` in a child with `params`; resolves with its result and peak RSS. */
export async function runWorker<T>(
  name: string,
  params: unknown,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; execArgv?: string[] } = {},
): Promise<Measured<T>> {
  const started = performance.now();
  const child = fork(join(BENCH_DIST, "workers", `${name}.js`), [JSON.stringify(params)], {
    execArgv: options.execArgv ?? [
      "--openssl-legacy-provider",
      "--disable-warning=NodeVersionSupportWarning",
    ],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const poll = pollPeak(child);
  let message: WorkerMessage | undefined;
  child.on("message", (m) => {
    message = m as WorkerMessage;
  });
  const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60 * 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c) => resolve(c));
  });
  clearTimeout(timeout);
  const hwm = poll.stop();
  const wallMs = performance.now() - started;
  if (!message) throw new Error(`worker ${name} exited with code ${code} and no result`);
  if (message.type === "error") throw new Error(`worker ${name} failed: ${message.error}`);
  return { result: message.result as T, peakRss: Math.max(hwm, message.peakRss), wallMs };
}

export interface ProcessOutcome {
  code: number | null;
  peakRss: number;
  wallMs: number;
  logFile: string;
}

/** Runs a command (e.g. a real app's `node dist/main.js`) with `env`, output to `logFile`. */
export async function runProcess(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string; timeoutMs?: number },
): Promise<ProcessOutcome> {
  const started = performance.now();
  const log = createWriteStream(options.logFile);
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const poll = pollPeak(child);
  const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60 * 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  });
  clearTimeout(timeout);
  const peakRss = poll.stop();
  await new Promise<void>((resolve) => log.end(resolve));
  return { code, peakRss, wallMs: performance.now() - started, logFile: options.logFile };
}
