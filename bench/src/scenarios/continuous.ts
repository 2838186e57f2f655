/**
 * Scenario: continuous delivery from an in-memory broker into MariaDB with upsert (runContinuous
 * + sink-aurora, one atomic commit per micro-batch, ack after commit) vs the naive consumer loop
 * (one INSERT ... ON DUPLICATE KEY UPDATE and one ack per message). Measured with every database
 * round trip costing 1 ms more (a delaying TCP proxy: a same-region network) and on bare loopback.
 */
import { runWorker } from "../harness/child.js";
import { startDelayProxy } from "../harness/delay-proxy.js";
import { databaseUrl, dropDatabase, resetDatabase, serverUrl } from "../harness/mysql.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { ContinuousNaiveResult } from "../workers/continuous-naive.js";
import type { ContinuousSluiceResult } from "../workers/continuous-sluice.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const DB = "sluice_bench_continuous";
const MAX_RECORDS = 500;
const GOAL = 10;

export const continuousScenario: Scenario = {
  id: "continuous",
  title: "Continuous in-memory broker → MariaDB upsert: runContinuous vs one-at-a-time insert + ack",
  async run(ctx: BenchContext): Promise<Row[]> {
    const count = ctx.quick ? 20_000 : 100_000;
    const naiveCount = ctx.quick ? 1_000 : 5_000;
    const server = new URL(serverUrl());
    const rows: Row[] = [];
    for (const delayMs of [1, 0]) {
      const name = `continuous ${int(count)} records → MariaDB upsert, ${delayMs ? `${delayMs} ms per round trip` : "loopback"}`;
      const proxy = delayMs
        ? await startDelayProxy({ host: server.hostname, port: Number(server.port || 3306) }, delayMs)
        : undefined;
      try {
        await resetDatabase(DB);
        const target = new URL(databaseUrl(DB));
        if (proxy) {
          target.hostname = "127.0.0.1";
          target.port = String(proxy.port);
        }
        const url = target.toString();
        ctx.log(`${name}: runContinuous + sink-aurora`);
        const s = await runWorker<ContinuousSluiceResult>("continuous-sluice", {
          url,
          count,
          maxRecords: MAX_RECORDS,
        });
        ctx.log(`${name}: naive loop (${int(naiveCount)} records)`);
        const n = await runWorker<ContinuousNaiveResult>("continuous-naive", { url, count: naiveCount });
        const sRate = s.result.rows / (s.result.ms / 1000);
        const nRate = n.result.rows / (n.result.ms / 1000);
        const r = sRate / nRate;
        rows.push({
          scenario: name,
          sluice: `${int(sRate)} rec/s (${sec(s.result.ms)}, ${s.result.commits} commits, commit p50 ${s.result.p50} ms / p99 ${s.result.p99} ms)`,
          baseline: `naive ${int(nRate)} rec/s (${int(naiveCount)} records, per-message p50 ${n.result.p50.toFixed(1)} ms / p99 ${n.result.p99.toFixed(1)} ms)`,
          ratio: `${r.toFixed(1)}x naive`,
          memory: `${mb(s.peakRss)} / naive ${mb(n.peakRss)}`,
          goal: delayMs ? `>= ${GOAL}x naive, <= 256 MB` : "<= 256 MB",
          verdict: verdict(r, s.peakRss, delayMs ? GOAL : 0),
        });
        if (s.result.rows !== count || s.result.acked !== count)
          ctx.notes.push(`${name}: sluice rows ${s.result.rows}, acked ${s.result.acked}, expected ${count}`);
        if (n.result.rows !== naiveCount)
          ctx.notes.push(`${name}: naive rows ${n.result.rows}, expected ${naiveCount}`);
      } catch (error) {
        rows.push(failedRow(name, error));
      } finally {
        await proxy?.close();
      }
    }
    await dropDatabase(DB).catch(() => undefined);
    ctx.notes.push(
      `continuous: contacts published to memoryBroker (core/testing), runContinuous with micro-batches of ${MAX_RECORDS} into sink-aurora (upsert, a fresh writer per micro-batch until the sink offers continuous delivery); ` +
        `the naive loop upserts and acknowledges one message at a time on one connection (measured on ${int(naiveCount)} records); ` +
        "the 1 ms rows route both through a TCP proxy that holds client→server bytes for 1 ms.",
    );
    return rows;
  },
};

function verdict(r: number, peakRss: number, goal: number): string {
  const memOk = peakRss <= 256 * 1024 * 1024;
  if (r >= goal && memOk) return "met";
  if (!memOk) return `MISSED: ${mb(peakRss)} > 256 MB`;
  return `MISSED: ${ratio(r)} < ${goal}x`;
}
