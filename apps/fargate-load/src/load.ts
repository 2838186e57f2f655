import type { S3ClientConfig } from "@aws-sdk/client-s3";
import {
  type Logger,
  type ProgressEvent,
  type RunReport,
  runPipeline,
  type Sink,
  type Source,
  silentLogger,
} from "@sluice/core";
import { auroraSink } from "@sluice/sink-aurora";
import { intercomObjectName, withIntercomLayout } from "@sluice/source-intercom";
import { s3Source } from "@sluice/source-s3";
import type { InputFormat, LoadConfig } from "./env.js";

export interface RunLoadOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /**
   * Extra S3 client settings merged over the defaults (the SDK's credential chain, region and
   * AWS_ENDPOINT_URL_S3). Production passes nothing; the demo and tests pass s3rver's config.
   */
  s3ClientConfig?: S3ClientConfig;
  onProgress?: (event: ProgressEvent) => void;
}

/** The object a stream is read from, as fargate-extract writes it: contacts → `users.json`. */
export function objectKeyFor(prefix: string, stream: string, format: InputFormat, gzip = false): string {
  const ext = gzip && format !== "parquet" ? `${format}.gz` : format;
  return `${prefix}${intercomObjectName(stream)}.${ext}`;
}

/**
 * S3 → Aurora: reads each stream's object and lands it in its tables (contacts → `users`,
 * conversations → `conversation` + `conversation_part`, ...). Every table is swapped in only
 * after every object was read whole, so a missing or corrupt object leaves the tables as they were.
 */
export async function runLoad(config: LoadConfig, options: RunLoadOptions = {}): Promise<RunReport> {
  const logger = options.logger ?? silentLogger();
  const clientConfig: S3ClientConfig = {
    ...(config.s3.forcePathStyle ? { forcePathStyle: true } : {}),
    ...options.s3ClientConfig,
  };
  const format = { format: config.input.format, gzip: config.input.gzip };
  const objects: Source & { close?(): Promise<void> } = s3Source({
    bucket: config.s3.bucket,
    streams: Object.fromEntries(
      config.streams.map((stream) => [
        stream,
        { key: objectKeyFor(config.s3.prefix, stream, format.format, format.gzip), format },
      ]),
    ),
    clientConfig,
  });
  // The objects hold Intercom records: their descriptors carry Intercom's table layout.
  const source: Source = {
    name: objects.name,
    check: async (signal) => objects.check?.(signal),
    discover: async (signal) => ((await objects.discover?.(signal)) ?? []).map(withIntercomLayout),
    read: (stream, o) => objects.read(stream, o),
    close: async () => objects.close?.(),
  };
  const sink: Sink = auroraSink({
    ...config.database,
    ...(config.allowEmptyReplace ? { allowEmptyReplace: true } : {}),
    logger,
  });
  try {
    await Promise.all([source.check?.(options.signal), sink.check?.(options.signal)]);
    return await runPipeline({
      source,
      sink,
      streams: config.streams,
      syncMode: "full",
      writeMode: config.mode,
      ...(options.signal ? { signal: options.signal } : {}),
      logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await Promise.allSettled([source.close?.(), sink.close?.()]);
  }
}
