/** Publishes the generated events as persistent messages, each confirmed by a RECEIPT. */
import { randomUUID } from "node:crypto";
import { CancelledError, type Logger, type RunReport } from "@sluice/core";
import { stompPublisher } from "@sluice/source-stomp";
import type { ProducerConfig } from "./env.js";
import { generateEvents } from "./events.js";

export interface ProduceOptions {
  signal: AbortSignal;
  logger: Logger;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function produce(config: ProducerConfig, options: ProduceOptions): Promise<RunReport> {
  const startedAt = new Date();
  const publisher = await stompPublisher({ url: config.url, login: config.login, passcode: config.passcode });
  let sent = 0;
  let invalid = 0;
  let bytes = 0;
  try {
    for (const event of generateEvents(config.count, config.seed, config.invalidRatio)) {
      if (options.signal.aborted) throw new CancelledError(`stopped after ${sent} messages`);
      if (config.rate) {
        const due = startedAt.getTime() + (sent / config.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      await publisher.publish(config.destination, event.body, { "content-type": "application/json" });
      sent++;
      bytes += Buffer.byteLength(event.body);
      if (event.invalid) invalid++;
      if (sent % 10_000 === 0) options.logger.info({ sent }, "producing");
    }
    await publisher.flush();
  } finally {
    await publisher.close();
  }
  const finishedAt = new Date();
  options.logger.info({ sent, invalid, destination: config.destination }, "produced");
  return {
    runId: randomUUID(),
    source: "stomp-producer",
    sink: config.destination,
    status: "succeeded",
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    records: sent,
    bytes,
    streams: [],
    deadLetters: invalid,
  };
}
