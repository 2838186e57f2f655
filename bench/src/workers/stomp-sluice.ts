/**
 * Worker: the stomp-consumer pipeline (runConsumer: STOMP source, micro-batches, upsert into
 * MariaDB through the generic SQL sink, acks after commit) until `count` events are committed.
 */
import { silentLogger } from "@sluice/core";
import { readConsumerConfig, runConsumer } from "@sluice/stomp-consumer";
import { stopwatch, worker } from "../harness/worker.js";

export interface StompSluiceParams {
  destination: string;
  mysqlUrl: string;
  table: string;
  count: number;
}
export interface StompSluiceResult {
  ms: number;
  records: number;
  commits: number;
}

worker<StompSluiceParams, StompSluiceResult>(async (p) => {
  const config = readConsumerConfig({
    STOMP_DESTINATION: p.destination,
    SINK_URL: p.mysqlUrl,
    SINK_TABLE: p.table,
    RECORD_SCHEMA: "attendance",
    BATCH_MAX_RECORDS: "500",
    BATCH_MAX_MS: "50",
  });
  const stop = new AbortController();
  let records = 0;
  let commits = 0;
  let ms = 0;
  const elapsed = stopwatch();
  await runConsumer(config, {
    signal: stop.signal,
    logger: silentLogger(),
    onCommit: (e) => {
      records += e.records;
      commits++;
      if (records >= p.count && !stop.signal.aborted) {
        ms = elapsed();
        stop.abort();
      }
    },
  });
  return { ms, records, commits };
});
