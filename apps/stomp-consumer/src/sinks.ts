/** SINK_URL → a sink and the write mode it is used in. Sinks know nothing of STOMP. */
import type { Sink, WriteMode } from "@sluice/core";
import { auroraSink } from "@sluice/sink-aurora";
import { mongoSink } from "@sluice/sink-mongodb";
import { s3Sink } from "@sluice/sink-s3";
import type { ConsumerConfig } from "./env.js";

export interface SinkChoice {
  sink: Sink;
  /** upsert by RECORD_KEY where the store can (exactly once); S3 objects are appended. */
  writeMode: WriteMode;
}

export function buildSink(config: ConsumerConfig): SinkChoice {
  const target = config.sink;
  switch (target.kind) {
    case "mongodb":
      return {
        sink: mongoSink({ url: target.url, collections: { [config.table]: config.table } }),
        writeMode: "upsert",
      };
    case "s3":
      return {
        sink: s3Sink({
          bucket: target.bucket,
          prefix: target.prefix,
          // one object per micro-batch, numbered after the highest existing one
          keyTemplate: "{prefix}{stream}/date={yyyy}-{mm}-{dd}/{runId}-{n}.{ext}",
          format: { format: "jsonl" },
        }),
        writeMode: "append",
      };
    case "mysql":
      return {
        sink: auroraSink({ url: target.url, tables: { [config.table]: config.table } }),
        writeMode: "upsert",
      };
  }
}
