/**
 * Scenario 4: end to end. The real apps run as child processes (`node apps/fargate-extract/
 * dist/main.js`, then `node apps/fargate-load/dist/main.js`) with their production env
 * variables, against the simulator (no rate limit, no latency), s3rver and MariaDB started here.
 * Measures each app's peak RSS (VmHWM) as the workspace grows.
 */
import { join } from "node:path";
import { startSimulator } from "@sluice/intercom-simulator";
import { startS3rver } from "@sluice/sink-s3/testing";
import mysql from "mysql2/promise";
import { HEAP_CAP_MB, REPO_ROOT, runProcess, WORK_DIR } from "../harness/child.js";
import { databaseUrl, dropDatabase, resetDatabase } from "../harness/mysql.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const LIMIT = 256 * 1024 * 1024;
const BUCKET = "sluice-bench-e2e";
const STREAMS = "contacts,conversations";

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

async function tableCount(url: string, table: string): Promise<number> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number((rows as { n: number }[])[0]?.n ?? 0);
  } finally {
    await conn.end();
  }
}

export const e2eScenario: Scenario = {
  id: "e2e",
  title: "End to end: fargate-extract + fargate-load peak RSS",
  async run(ctx: BenchContext): Promise<Row[]> {
    const sizes = ctx.quick
      ? [10_000, 30_000]
      : (process.env.BENCH_E2E_SIZES ?? "10000,100000,1000000").split(",").map(Number);
    const rows: Row[] = [];
    const peaks: { size: number; extract: number; load: number }[] = [];
    // Main runs use the heap cap the images set (NODE_OPTIONS in apps/*/Dockerfile): the apps as
    // deployed. One diagnostic re-run of the largest size shows V8's default (lazy) heap here.
    const runs: { records: number; capped: boolean }[] = sizes.map((records) => ({ records, capped: true }));
    const largest = sizes[sizes.length - 1];
    if (largest !== undefined) runs.push({ records: largest, capped: false });
    for (const { records, capped } of runs) {
      const conversations = Math.max(100, Math.round(records / 100));
      const contacts = records - conversations;
      const name = capped
        ? `E2E ${label(records)} records`
        : `E2E ${label(records)} records, V8 default heap on this host (diagnostic)`;
      const tag = `${label(records)}${capped ? "" : "-uncapped"}`;
      const sim = await startSimulator({
        seed: 11,
        contacts,
        conversations,
        companies: 20,
        rateLimit: false,
        latencyMs: 0,
        port: 0,
      });
      const s3 = await startS3rver({ buckets: [BUCKET] });
      try {
        await resetDatabase();
        const common: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_OPTIONS: `--disable-warning=NodeVersionSupportWarning${capped ? ` --max-old-space-size=${HEAP_CAP_MB}` : ""}`,
          LOG_LEVEL: "warn",
          S3_BUCKET: BUCKET,
          S3_PREFIX: "bench/",
          S3_FORCE_PATH_STYLE: "true",
          AWS_REGION: "us-east-1",
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          AWS_ACCESS_KEY_ID: "S3RVER",
          AWS_SECRET_ACCESS_KEY: "S3RVER",
          AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
          AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
        };
        ctx.log(`${name}: fargate-extract (${int(contacts)} contacts, ${int(conversations)} conversations)`);
        const extract = await runProcess("node", [join(REPO_ROOT, "apps/fargate-extract/dist/main.js")], {
          env: {
            ...common,
            INTERCOM_ACCESS_TOKEN: sim.token,
            INTERCOM_API_URL: sim.url,
            INTERCOM_STREAMS: STREAMS,
          },
          logFile: join(WORK_DIR, `e2e-${tag}-extract.log`),
        });
        if (extract.code !== 0)
          throw new Error(`fargate-extract exited ${extract.code}; see ${extract.logFile}`);
        ctx.log(`${name}: fargate-load`);
        const load = await runProcess("node", [join(REPO_ROOT, "apps/fargate-load/dist/main.js")], {
          env: { ...common, LOAD_STREAMS: STREAMS, DATABASE_URL: databaseUrl() },
          logFile: join(WORK_DIR, `e2e-${tag}-load.log`),
        });
        if (load.code !== 0) throw new Error(`fargate-load exited ${load.code}; see ${load.logFile}`);
        const users = await tableCount(databaseUrl(), "users");
        const convs = await tableCount(databaseUrl(), "conversation");
        if (users !== contacts || convs !== conversations) {
          ctx.notes.push(
            `${name}: loaded ${users} users and ${convs} conversations, expected ${contacts} and ${conversations}`,
          );
        }
        if (capped) peaks.push({ size: records, extract: extract.peakRss, load: load.peakRss });
        const worst = Math.max(extract.peakRss, load.peakRss);
        rows.push({
          scenario: name,
          sluice: `extract ${sec(extract.wallMs)} (${int(records / (extract.wallMs / 1000))} rec/s), load ${sec(load.wallMs)} (${int(records / (load.wallMs / 1000))} rec/s)`,
          baseline: "",
          ratio: "",
          memory: `extract ${mb(extract.peakRss)} / load ${mb(load.peakRss)}`,
          goal: capped ? "<= 256 MB" : "(none: diagnostic)",
          verdict: !capped
            ? `completed at ${mb(worst)}: V8 grows the heap lazily without a cap`
            : worst <= LIMIT
              ? "met"
              : `MISSED by ${mb(worst - LIMIT)}`,
        });
      } catch (error) {
        rows.push(failedRow(name, error));
      } finally {
        await s3.close();
        await sim.close();
      }
    }
    if (peaks.length >= 2) {
      const first = peaks[0]!;
      const last = peaks[peaks.length - 1]!;
      const ge = last.extract / first.extract;
      const gl = last.load / first.load;
      const worst = Math.max(ge, gl);
      rows.push({
        scenario: `E2E memory ${label(first.size)} -> ${label(last.size)}`,
        sluice: `extract ${mb(first.extract)} -> ${mb(last.extract)}, load ${mb(first.load)} -> ${mb(last.load)}`,
        baseline: "",
        ratio: `extract ${ratio(ge)}, load ${ratio(gl)} RSS for ${last.size / first.size}x data`,
        memory: `${mb(Math.max(last.extract, last.load))}`,
        goal: "flat (<= 1.25x)",
        verdict: worst <= 1.25 ? "met" : `MISSED: grows ${ratio(worst)}`,
      });
    }
    await dropDatabase().catch(() => undefined);
    ctx.notes.push(
      `E2E: simulator without rate limit or latency, records = contacts + 1% conversations (each with parts); ` +
        `apps run with their defaults (streams ${STREAMS}, JSON output) as \`node apps/*/dist/main.js\`; ` +
        `wall times include process start-up; app logs in bench/.work/.`,
    );
    return rows;
  },
};
