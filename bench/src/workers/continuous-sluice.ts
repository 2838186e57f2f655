/**
 * Worker: `count` contacts published to an in-memory broker, delivered continuously by
 * runContinuous into sink-aurora (upsert by id, one atomic commit per micro-batch, each
 * acknowledged after its commit).
 */
import { runContinuous } from "@sluice/core";
import { type MemoryBroker, memoryBroker } from "@sluice/core/testing";
import { auroraSink } from "@sluice/sink-aurora";
import mysql from "mysql2/promise";
import { contactBatches } from "../data/contacts.js";
import { stopwatch, worker } from "../harness/worker.js";
import { countRows } from "./mysql-common.js";

export interface ContinuousSluiceParams {
  url: string;
  count: number;
  maxRecords: number;
}
export interface ContinuousSluiceResult {
  ms: number;
  rows: number;
  acked: number;
  commits: number;
  p50: number;
  p99: number;
}

worker<ContinuousSluiceParams, ContinuousSluiceResult>(async (p) => {
  const sink = auroraSink({ url: p.url });
  const broker = memoryBroker({ streams: ["contacts"], prefetch: p.maxRecords * 4, batchSize: 100 });
  try {
    await sink.migrate();
    const elapsed = stopwatch();
    const producing = produce(broker, p.count, p.maxRecords * 8);
    const report = await runContinuous({
      source: broker.consumer(),
      sink,
      writeMode: "upsert",
      batch: { maxRecords: p.maxRecords, maxLatencyMs: 50 },
    });
    const ms = elapsed();
    await producing;
    const conn = await mysql.createConnection({ uri: p.url });
    const rows = await countRows(conn, "users");
    await conn.end();
    const s = report.streams[0]!;
    return {
      ms,
      rows,
      acked: broker.acked("contacts"),
      commits: s.commits ?? 0,
      p50: s.commitLatencyMs?.p50 ?? 0,
      p99: s.commitLatencyMs?.p99 ?? 0,
    };
  } finally {
    await sink.close();
  }
});

/** Publishes `count` contacts, keeping at most `ahead` published and not yet acknowledged (a producer faster than the sink). */
async function produce(broker: MemoryBroker, count: number, ahead: number): Promise<void> {
  for (const batch of contactBatches(count, 1000)) {
    while (broker.published("contacts") - broker.acked("contacts") >= ahead) {
      await new Promise((r) => setTimeout(r, 1));
    }
    broker.publish("contacts", batch);
  }
  broker.end();
}
