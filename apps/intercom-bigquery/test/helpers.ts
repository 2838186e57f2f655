import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { assertBuilt, baseEnv, REPO_ROOT } from "@sluice/app-kit/testing";

export const APP_DIST = join(REPO_ROOT, "apps/intercom-bigquery/dist");
export const PROJECT = "sluice-app-test";

/** A fake Intercom token assembled at run time. */
export const fakeToken = () => ["tok", randomUUID()].join("_");

export interface RunningServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns the built `dist/server.js` on an ephemeral port and waits for its "serving" log line. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const main = join(APP_DIST, "server.js");
  assertBuilt(main);
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: baseEnv({ PORT: "0", ...env }),
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onData = () => {
      const m = /"port":(\d+).*serving function intercom/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, text, json };
}

/** COUNT(*) through the BigQuery simulator's jobs.query (a real REST reader). */
export async function countRows(bqUrl: string, dataset: string, table: string): Promise<number> {
  const res = await fetch(`${bqUrl}/bigquery/v2/projects/${PROJECT}/queries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `SELECT COUNT(*) AS n FROM \`${PROJECT}.${dataset}.${table}\``,
      useLegacySql: false,
    }),
  });
  const body = (await res.json()) as { rows?: { f: { v: string }[] }[]; error?: unknown };
  if (!res.ok) throw new Error(`count failed: ${JSON.stringify(body.error)}`);
  return Number(body.rows?.[0]?.f[0]?.v);
}

export async function tableSchema(bqUrl: string, dataset: string, table: string) {
  const res = await fetch(`${bqUrl}/bigquery/v2/projects/${PROJECT}/datasets/${dataset}/tables/${table}`);
  return (
    (await res.json()) as {
      schema: {
        fields: { name: string; type: string; mode: string; fields?: { name: string; type: string }[] }[];
      };
    }
  ).schema.fields;
}
