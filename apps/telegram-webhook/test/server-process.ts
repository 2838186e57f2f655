// Test helper: runs dist/server.js as a long-lived child process and learns its port from the log.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { assertBuilt, REPO_ROOT } from "@sluice/app-kit/testing";

export const SERVER = resolve(REPO_ROOT, "apps/telegram-webhook/dist/server.js");

export interface ServerProcess {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

export function startServerProcess(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  ready = /"port":(\d+)[^\n]*"msg":"listening"/,
): Promise<ServerProcess> {
  assertBuilt(SERVER);
  const child: ChildProcess = spawn(process.execPath, [SERVER, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString("utf8");
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolvePromise({
        url: `http://127.0.0.1:${m[1]}/`,
        output: () => out,
        async stop() {
          child.kill("SIGTERM");
          return exited;
        },
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
}
