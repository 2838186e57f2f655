/**
 * Scenario: Intercom → BigQuery (the intercom-bigquery sync) for 20k contacts + 3k conversations
 * (the eight entities of the original function) against the Intercom simulator (1666 calls/10 s,
 * 20 ms latency) and the BigQuery simulator: wall time vs the Intercom rate-limit bound, peak RSS
 * vs a naive in-memory version measured in the same run.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { startSimulator } from "@sluice/intercom-simulator";
import { HEAP_CAP_MB, REPO_ROOT, runWorker, WORKER_EXEC_ARGV } from "../harness/child.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { BigQueryNaiveResult } from "../workers/bigquery-naive.js";
import type { BigQuerySluiceResult } from "../workers/bigquery-sluice.js";
import type { IntercomSluiceResult } from "../workers/intercom-sluice.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const PAGE = 150;
const LATENCY_MS = 20;
const SCROLL_PAGE = 50;
const SMALL = { companies: 50, admins: 12, teams: 4, tags: 25, segments: 8 };
const ENTITIES = ["users", "companies", "contacts", "admins", "conversations", "teams", "tags", "segments"];
const PROJECT = "bench-project";

/**
 * The BigQuery simulator in its own process (as BigQuery is another system): in the parent it
 * would share one event loop with the Intercom simulator, and every load it parses would stall
 * Intercom's responses.
 */
async function startBigQueryProcess(): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, "packages/bigquery-simulator/dist/cli.js"), "--job-delay", "200"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /"url":"([^"]+)"/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`BigQuery simulator exited with ${code}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export const bigQueryScenario: Scenario = {
  id: "bigquery",
  title: "Intercom → BigQuery: intercom-bigquery sync vs rate-limit bound vs naive in-memory loader",
  async run(ctx: BenchContext): Promise<Row[]> {
    const contacts = ctx.quick ? 5_000 : 20_000;
    const conversations = ctx.quick ? 600 : 3_000;
    const rateLimit = { limit: ctx.quick ? 416 : 1666, windowSeconds: 10 };
    const name = `Intercom → BigQuery ${contacts / 1000}k+${conversations >= 1000 ? `${conversations / 1000}k` : conversations}`;
    const simOptions = {
      seed: 7,
      contacts,
      conversations,
      ...SMALL,
      rateLimit,
      latencyMs: LATENCY_MS,
      port: 0,
    };
    // minimal calls for the data: the contact list once (users and leads are its roles), the
    // conversation list, one GET per conversation, one page per small stream (+ the scroll's last page)
    const small = 4 + Math.ceil(SMALL.companies / SCROLL_PAGE) + 1;
    const contactPages = Math.ceil(contacts / PAGE);
    const minimalCalls = contactPages + Math.ceil(conversations / PAGE) + conversations + small;
    const boundMs = (minimalCalls / (rateLimit.limit / rateLimit.windowSeconds)) * 1000;
    // the same streams in the app's order and concurrency, into a counting sink: how long the
    // Intercom side alone takes on this machine right now (the sync's floor)
    const sourceStreams = ["conversations", "contacts", "companies", "admins", "teams", "tags", "segments"];
    const run = async <T>(worker: string, dataset: string, execArgv = WORKER_EXEC_ARGV) => {
      const sim = await startSimulator(simOptions);
      const bq = await startBigQueryProcess();
      try {
        sim.resetStats();
        const params = {
          intercomUrl: sim.url,
          token: sim.token,
          bigqueryUrl: bq.url,
          project: PROJECT,
          dataset,
          entities: ENTITIES,
          // for the source-alone worker
          url: sim.url,
          streams: sourceStreams,
          concurrency: 4,
        };
        const measured = await runWorker<T>(worker, params, {
          env: { METADATA_SERVER_DETECTION: "none" },
          execArgv,
        });
        return { measured, stats: sim.stats() };
      } finally {
        await Promise.all([sim.close(), bq.close()]);
      }
    };
    try {
      ctx.log(`${name}: intercom-bigquery sync`);
      // as deployed: the image's heap cap (apps/intercom-bigquery/Dockerfile sets the same NODE_OPTIONS)
      const sluice = await run<BigQuerySluiceResult>("bigquery-sluice", "bench_sluice", [
        ...WORKER_EXEC_ARGV,
        `--max-old-space-size=${HEAP_CAP_MB}`,
      ]);
      ctx.log(`${name}: source-intercom alone (same streams, counting sink)`);
      const alone = await run<IntercomSluiceResult>("intercom-sluice", "unused");
      ctx.log(`${name}: naive in-memory loader`);
      const naive = await run<BigQueryNaiveResult>("bigquery-naive", "bench_naive");
      const r = sluice.measured.result.ms / boundMs;
      const memRatio = sluice.measured.peakRss / naive.measured.peakRss;
      const ok = r <= 1.2 && sluice.measured.peakRss <= 256 * 1024 * 1024;
      ctx.notes.push(
        `Intercom → BigQuery: simulators as the intercom scenario plus the BigQuery simulator (its own process, jobs RUNNING 200 ms); ` +
          `entities ${ENTITIES.join(", ")}; bound = minimal calls (${int(minimalCalls)}: contact list once, conversation list, one GET per conversation, small streams) / ${rateLimit.limit / rateLimit.windowSeconds} calls/s. ` +
          `users and contacts (leads) come from one read of the contact list (${int(contactPages)} pages), split by role. Sluice records ${JSON.stringify(sluice.measured.result.records)}; naive ${JSON.stringify(naive.measured.result.records)}. ` +
          `Naive = every entity in an array, one NDJSON string and one multipart load per table (the original function's shape), same detail concurrency, V8's default heap (the original ran with 2 GB). ` +
          `Sluice runs with the image's heap cap --max-old-space-size=${HEAP_CAP_MB}. ` +
          `CPU = the worker's user+system time: unlike wall time it does not depend on how busy the machine is (the simulators run in the parent and compete for the same cores).`,
      );
      return [
        {
          scenario: name,
          sluice: `wall ${sec(sluice.measured.result.ms)}, CPU ${sec(sluice.measured.result.cpuMs ?? 0)}, ${int(sluice.stats.requests)} Intercom calls, ${sluice.stats.throttled429} 429s`,
          baseline: `bound ${sec(boundMs)}; source alone ${sec(alone.measured.result.ms)} (CPU ${sec(alone.measured.result.cpuMs ?? 0)}); naive ${sec(naive.measured.result.ms)} (CPU ${sec(naive.measured.result.cpuMs ?? 0)}), ${int(naive.stats.requests)} calls, ${mb(naive.measured.peakRss)}`,
          ratio: `${ratio(r)} bound; ${ratio(sluice.measured.result.ms / alone.measured.result.ms)} source alone; RSS ${ratio(memRatio)} naive`,
          memory: mb(sluice.measured.peakRss),
          goal: "<= 1.2x bound, <= 256 MB",
          verdict: ok ? "met" : `MISSED (${ratio(r)} bound, ${mb(sluice.measured.peakRss)})`,
        },
      ];
    } catch (error) {
      return [failedRow(name, error)];
    }
  },
};
