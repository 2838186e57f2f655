/**
 * STOMP destination → store, continuously: the STOMP source (acks after each durable commit),
 * the attendance schema as a transform (invalid → dead letter on the DLQ), and the sink chosen
 * by SINK_URL, upserting by RECORD_KEY so a redelivered message never duplicates.
 */
import {
  type ContinuousPipelineOptions,
  type Logger,
  type RunReport,
  runContinuous,
  type Sink,
} from "@sluice/core";
import { stompSource } from "@sluice/source-stomp";
import { attendanceTransform } from "./attendance.js";
import type { ConsumerConfig } from "./env.js";
import { ATTENDANCE_JSON_SCHEMA, streamDescriptor } from "./layout.js";
import { buildSink } from "./sinks.js";

export interface RunConsumerOptions {
  signal: AbortSignal;
  logger: Logger;
  /** A sink to use instead of the one SINK_URL names (tests, benchmarks). */
  sink?: Sink;
  /** Called after every commit (after the acks): progress for tools and benchmarks. */
  onCommit?: ContinuousPipelineOptions["onCommit"];
}

/** The broker may hold twice the batch unacked, so the next batch fills while one commits. */
export function prefetchFor(maxRecords: number): number {
  return Math.min(32_767, maxRecords * 2);
}

export async function runConsumer(config: ConsumerConfig, options: RunConsumerOptions): Promise<RunReport> {
  const source = stompSource({
    url: config.stomp.url,
    login: config.stomp.login,
    passcode: config.stomp.passcode,
    destination: config.stomp.destination,
    subscriptionName: config.stomp.subscription,
    deadLetterDestination: config.stomp.deadLetterDestination,
    stream: config.table,
    primaryKey: config.recordKey,
    prefetch: prefetchFor(config.batch.maxRecords),
  });
  const chosen = options.sink ? { sink: options.sink, writeMode: "upsert" as const } : buildSink(config);
  try {
    return await runContinuous({
      source,
      sink: chosen.sink,
      streams: [config.table],
      descriptors: [
        streamDescriptor(
          config.table,
          config.recordKey,
          config.recordSchema === "attendance" ? ATTENDANCE_JSON_SCHEMA : undefined,
        ),
      ],
      writeMode: chosen.writeMode,
      batch: { maxRecords: config.batch.maxRecords, maxLatencyMs: config.batch.maxLatencyMs },
      transform: config.recordSchema === "attendance" ? attendanceTransform : undefined,
      deadLetter: "source",
      exitWhenIdleMs: config.exitWhenIdleMs,
      signal: options.signal,
      logger: options.logger,
      onCommit: options.onCommit,
    });
  } finally {
    await source.close().catch((e) => options.logger.warn({ err: e }, "closing the STOMP connection failed"));
    await chosen.sink.close?.().catch((e) => options.logger.warn({ err: e }, "closing the sink failed"));
  }
}
