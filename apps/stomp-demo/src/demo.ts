/**
 * The STOMP demo: the producer publishes attendance events (some invalid) to the local
 * ActiveMQ, the consumer stores them in an in-process MongoDB stand-in until the queue is idle,
 * and the counts are compared: produced = stored + dead-lettered.
 */
import { randomUUID } from "node:crypto";
import { createLogger, type Logger } from "@sluice/core";
import { startMongoSimulator } from "@sluice/mongodb-simulator";
import { drain } from "@sluice/source-stomp/testing";
import { readConsumerConfig, runConsumer } from "@sluice/stomp-consumer";
import { produce, readProducerConfig } from "@sluice/stomp-producer";

export interface DemoOptions {
  count: number;
  invalidRatio: number;
  stompUrl: string;
  logger?: Logger;
  print?: (line: string) => void;
}

export interface DemoResult {
  produced: number;
  invalid: number;
  stored: number;
  deadLettered: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = o.logger ?? createLogger({ name: "stomp-demo", level: "warn" });
  const signal = new AbortController().signal;
  const queue = `/queue/sluice.demo.attendances.${randomUUID().slice(0, 8)}`;
  const mongo = await startMongoSimulator();
  try {
    print(`MongoDB stand-in on port ${mongo.port}; ActiveMQ at ${o.stompUrl}; destination ${queue}`);
    const env = { STOMP_URL: o.stompUrl, STOMP_DESTINATION: queue };
    const consumer = runConsumer(
      readConsumerConfig({
        ...env,
        SINK_URL: mongo.url("demo"),
        RECORD_SCHEMA: "attendance",
        BATCH_MAX_MS: "250",
        EXIT_WHEN_IDLE_MS: "2500",
      }),
      { signal, logger },
    );
    const produced = await produce(
      readProducerConfig({
        ...env,
        COUNT: String(o.count),
        INVALID_RATIO: String(o.invalidRatio),
        SEED: "7",
      }),
      { signal, logger },
    );
    print(
      `producer:  ${produced.records} attendance events published (${produced.deadLetters} deliberately invalid)`,
    );
    const report = await consumer;
    const stored = mongo.store.get("demo", "attendances")?.docs.size ?? 0;
    const deadLettered = (await drain(`${queue}.DLQ`, 1000)).length;
    print(
      `consumer:  ${report?.records ?? 0} records committed in ${report?.streams[0]?.batches ?? 0} micro-batches`,
    );
    print(`MongoDB:   ${stored} documents in demo.attendances`);
    print(`DLQ:       ${deadLettered} messages on ${queue}.DLQ (each with an x-sluice-error reason)`);
    const ok = stored + deadLettered === produced.records && deadLettered === produced.deadLetters;
    print(
      ok ? "every event accounted for: stored + dead-lettered = produced" : "MISMATCH: see the counts above",
    );
    return { produced: produced.records, invalid: produced.deadLetters ?? 0, stored, deadLettered };
  } finally {
    await mongo.close();
  }
}
