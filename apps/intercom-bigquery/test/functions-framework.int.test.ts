import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { baseEnv, REPO_ROOT, waitFor } from "@sluice/app-kit/testing";
import { expect, it } from "vitest";
import { APP_DIST, post } from "./helpers.js";

const require = createRequire(join(APP_DIST, "function.js"));
const frameworkMain = join(dirname(require.resolve("@google-cloud/functions-framework")), "main.js");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

it("the deployed entry point: functions-framework --target=intercom loads the app directory (package main)", async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      frameworkMain,
      "--target=intercom",
      `--source=${join(REPO_ROOT, "apps/intercom-bigquery")}`,
      `--port=${port}`,
    ],
    {
      env: baseEnv({ NODE_ENV: "production" }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(url).catch(() => undefined)) !== undefined,
      20_000,
      `the framework to listen\n${out}`,
    );
    const res = await post(url, { intercom: {}, bq: {} });
    expect(res.status, out).toBe(400);
    expect((res.json.error as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual([
      "bq.dataset_id",
      "bq.project_id",
      "intercom.accessToken",
    ]);
  } finally {
    child.kill("SIGTERM");
  }
});
