/**
 * Scenario: consumer throughput ActiveMQ → MariaDB (upsert), the stomp-consumer pipeline vs the
 * naive consumer it replaces (insert and ack one message at a time), on the same events, with
 * 1 ms added to every store round trip (a delaying TCP proxy in front of MariaDB) and on bare
 * loopback. Events are published before each consumer starts, so both read a full queue.
 */
import { randomUUID } from "node:crypto";
import { stompPublisher } from "@sluice/source-stomp";
import { generateEvents } from "@sluice/stomp-producer";
import { runWorker } from "../harness/child.js";
import { startDelayProxy } from "../harness/delay-proxy.js";
import { databaseUrl, dropDatabase, resetDatabase, serverUrl } from "../harness/mysql.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { StompNaiveResult } from "../workers/stomp-naive.js";
import type { StompSluiceResult } from "../workers/stomp-sluice.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

/** Its own database: other scenarios (and other runs) reset `sluice_bench`. */
const DB = "sluice_bench_stomp";

async function publish(destination: string, count: number): Promise<void> {
  const publisher = await stompPublisher({ window: 500 });
  try {
    for (const e of generateEvents(count, 99, 0)) await publisher.publish(destination, e.body);
    await publisher.flush();
  } finally {
    await publisher.close();
  }
}

/** The bench database URL with host:port replaced by the proxy's. */
function viaProxy(url: string, port: number): string {
  return url
    .replace(/@[^/@]+\//, `@127.0.0.1:${port}/`)
    .replace(/^mysql:\/\/[^@/]+\//, `mysql://127.0.0.1:${port}/`);
}

export const stompScenario: Scenario = {
  id: "stomp",
  title: "STOMP consumer: ActiveMQ → MariaDB upsert, stomp-consumer vs insert+ack one at a time",
  async run(ctx: BenchContext): Promise<Row[]> {
    const count = ctx.quick ? 2_000 : 10_000;
    const rows: Row[] = [];
    const mysqlPort = Number(new URL(serverUrl()).port || 3306);
    for (const delayMs of [1, 0]) {
      const name = `STOMP → MariaDB ${int(count)} events, ${delayMs > 0 ? `${delayMs} ms per store round trip` : "loopback"}`;
      // loopback: straight to MariaDB (no proxy hop)
      const proxy =
        delayMs > 0 ? await startDelayProxy({ host: "127.0.0.1", port: mysqlPort }, delayMs) : undefined;
      try {
        await resetDatabase(DB);
        const url = proxy ? viaProxy(databaseUrl(DB), proxy.port) : databaseUrl(DB);
        const run = randomUUID().slice(0, 8);
        const qSluice = `/queue/sluice.bench.${run}.sluice`;
        const qNaive = `/queue/sluice.bench.${run}.naive`;
        ctx.log(`${name}: publishing ${int(count)} events twice`);
        await publish(qSluice, count);
        await publish(qNaive, count);
        ctx.log(`${name}: stomp-consumer`);
        const s = await runWorker<StompSluiceResult>("stomp-sluice", {
          destination: qSluice,
          mysqlUrl: url,
          table: "attendances",
          count,
        });
        ctx.log(`${name}: naive`);
        const n = await runWorker<StompNaiveResult>("stomp-naive", {
          destination: qNaive,
          mysqlUrl: url,
          table: "attendances_naive",
          count,
        });
        const sRate = s.result.records / (s.result.ms / 1000);
        const nRate = n.result.records / (n.result.ms / 1000);
        const r = sRate / nRate;
        const goal = delayMs > 0 ? 10 : 2;
        const rssOk = s.peakRss <= 256 * 1024 * 1024;
        rows.push({
          scenario: name,
          sluice: `${int(sRate)} events/s (${sec(s.result.ms)}, ${s.result.commits} commits)`,
          baseline: `naive ${int(nRate)} events/s (${sec(n.result.ms)})`,
          ratio: `${ratio(r)} naive`,
          memory: `consumer ${mb(s.peakRss)} / naive ${mb(n.peakRss)}`,
          goal: `>= ${goal}x naive, <= 256 MB`,
          verdict: r >= goal && rssOk ? "met" : `MISSED (${ratio(r)}${rssOk ? "" : ", RSS"})`,
        });
      } catch (error) {
        rows.push(failedRow(name, error));
      } finally {
        await proxy?.close();
        await dropDatabase(DB).catch(() => undefined);
      }
    }
    return rows;
  },
};
