/**
 * Worker, baseline: the loop a consumer is usually written as: for each message, one
 * `INSERT ... ON DUPLICATE KEY UPDATE` (autocommit), then acknowledge that message.
 */
import { type MemoryBrokerSource, memoryBroker } from "@sluice/core/testing";
import mysql from "mysql2/promise";
import { CONTACT_COLUMNS, contactCells } from "../data/contact-rows.js";
import { contactBatches } from "../data/contacts.js";
import { stopwatch, worker } from "../harness/worker.js";
import { countRows, createContactTable } from "./mysql-common.js";

export interface ContinuousNaiveParams {
  url: string;
  count: number;
}
export interface ContinuousNaiveResult {
  ms: number;
  rows: number;
  acked: number;
  p50: number;
  p99: number;
}

const TABLE = "users_naive";

worker<ContinuousNaiveParams, ContinuousNaiveResult>(async (p) => {
  const broker = memoryBroker({ streams: ["contacts"], prefetch: 1, batchSize: 1 });
  for (const batch of contactBatches(p.count, 1000)) broker.publish("contacts", batch);
  broker.end();
  const conn = await mysql.createConnection({ uri: p.url });
  try {
    await createContactTable(conn, TABLE, "users");
    const cols = CONTACT_COLUMNS.map((c) => `\`${c}\``).join(", ");
    const updates = CONTACT_COLUMNS.filter((c) => c !== "id")
      .map((c) => `\`${c}\` = VALUES(\`${c}\`)`)
      .join(", ");
    const sql = `INSERT INTO \`${TABLE}\` (${cols}) VALUES (?) ON DUPLICATE KEY UPDATE ${updates}`;
    const source: MemoryBrokerSource = broker.consumer();
    const latencies: number[] = [];
    const elapsed = stopwatch();
    const reporter = { call() {}, retry() {}, rateLimitWait() {}, warn() {}, setTotal() {} };
    const signal = new AbortController().signal;
    const logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
    for await (const m of source.read("contacts", { syncMode: "incremental", signal, logger, reporter })) {
      if (m.kind === "records") {
        for (const r of m.records) {
          const t = performance.now();
          await conn.query(sql, [contactCells(r)]);
          latencies.push(performance.now() - t);
        }
      } else if (m.kind === "checkpoint") await source.committed!("contacts", m.checkpoint);
    }
    const ms = elapsed();
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
    return {
      ms,
      rows: await countRows(conn, TABLE),
      acked: broker.acked("contacts"),
      p50: at(0.5),
      p99: at(0.99),
    };
  } finally {
    await conn.end();
  }
});
