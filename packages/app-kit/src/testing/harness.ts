/**
 * Black-box harness for the apps' tests: runs an app's built `dist/main.js` as a child process
 * (without --openssl-legacy-provider, as in production) against services started in the test worker.
 * Node built-ins only, so importing it never pulls a dev-only package into an app.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The workspace root: the nearest folder above this file that holds pnpm-workspace.yaml. */
export const REPO_ROOT = findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));

function findWorkspaceRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

/** An app's built entry point: `appMain("fargate-load")` → `<repo>/apps/fargate-load/dist/main.js`. */
export function appMain(app: string): string {
  return resolve(REPO_ROOT, "apps", app, "dist/main.js");
}

export function assertBuilt(main: string): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`pnpm build\` first (pnpm test does)`);
}

export interface AppResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last non-empty stderr line. */
  lastLine: string;
  /** stdout parsed as JSON lines (non-JSON lines skipped). */
  logs: Array<Record<string, unknown>>;
}

export interface RunOptions {
  /** Called once the process is spawned (e.g. to send SIGTERM later). */
  onSpawn?: (child: ChildProcess) => void;
  /** Kill with SIGKILL after this long (a safety net, not an assertion). Default 50 s. */
  killAfterMs?: number;
  cwd?: string;
  /** Extra node flags before the script (e.g. --openssl-legacy-provider for the demo's in-process s3rver). */
  nodeArgs?: string[];
  /** Arguments after the script (a command and its flags). */
  args?: string[];
}

/** Only what the app needs: no inherited AWS_* or secrets from the developer's shell. */
export function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "info" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** AWS settings for an s3rver endpoint: read by the SDK itself (AWS_ENDPOINT_URL_S3 ...). */
export function s3rverEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: "us-east-1",
    // s3rver's built-in account: public, documented test values, not a credential
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    S3_FORCE_PATH_STYLE: "true",
  };
}

export function runApp(main: string, env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<AppResult> {
  assertBuilt(main);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main, ...(options.args ?? [])], {
      env,
      cwd: options.cwd ?? REPO_ROOT,
      // a fresh node: the test worker's --openssl-legacy-provider (execArgv) is not passed on,
      // and baseEnv() carries no NODE_OPTIONS
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 50_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const lines = stderr.split("\n").filter((l) => l.trim() !== "");
      const logs: Array<Record<string, unknown>> = [];
      for (const line of stdout.split("\n")) {
        try {
          if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      resolvePromise({ code, signal, stdout, stderr, lastLine: lines.at(-1) ?? "", logs });
    });
    options.onSpawn?.(child);
  });
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = "condition",
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A unique, S3-valid name for this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
