import type { S3ClientConfig } from "@aws-sdk/client-s3";
import {
  type DiscoverableSource,
  type Logger,
  type ProgressEvent,
  type RunReport,
  runPipeline,
  type Sink,
  type Source,
  type SourceMessage,
  silentLogger,
  TOMBSTONE_FIELD,
} from "@sluice/core";
import { auroraSink } from "@sluice/sink-aurora";
import { intercomObjectName, withIntercomLayout } from "@sluice/source-intercom";
import { s3Source } from "@sluice/source-s3";
import type { InputFormat, LoadConfig, LoadInput } from "./env.js";

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

/** Streams whose deletions fargate-extract writes to `deleted/<stream>.<ext>`. */
export const DELETION_STREAMS: ReadonlySet<string> = new Set(["contacts", "conversations"]);

const extension = (format: InputFormat, gzip: boolean) =>
  gzip && format !== "parquet" ? `${format}.gz` : format;

/**
 * The object a stream is read from, as fargate-extract lays them out: the snapshot
 * (`users.json`, `<stream>.json`) or the last incremental run's changes (`changes/users.json`).
 */
export function objectKeyFor(
  prefix: string,
  stream: string,
  format: InputFormat,
  gzip = false,
  objects: LoadInput = "snapshot",
): string {
  const dir = objects === "changes" ? "changes/" : "";
  return `${prefix}${dir}${intercomObjectName(stream)}.${extension(format, gzip)}`;
}

/** The deletions of a stream: `deleted/<stream>.<ext>`, records `{ id, deleted_at, reason }`. */
export function deletedKeyFor(prefix: string, stream: string, format: InputFormat, gzip = false): string {
  return `${prefix}deleted/${stream}.${extension(format, gzip)}`;
}

const DELETED_SUFFIX = "__deleted";

/**
 * Reads a stream's changes, then its deletions as tombstones `{ id, _sluice_deleted: true }`,
 * into the SAME stream: the sink deletes those rows (a conversation's parts with it) in the
 * same transaction as the upserts and the checkpoint.
 */
function withTombstones(source: DiscoverableSource, streams: ReadonlySet<string>): Source {
  return {
    name: source.name,
    check: (signal) => source.check(signal),
    discover: async (signal) =>
      (await source.discover(signal)).filter((d) => !d.name.endsWith(DELETED_SUFFIX)),
    read(stream, options) {
      return (async function* (): AsyncGenerator<SourceMessage> {
        yield* source.read(stream, options);
        if (!streams.has(stream)) return;
        for await (const m of source.read(`${stream}${DELETED_SUFFIX}`, options)) {
          if (m.kind !== "records") continue;
          const records = m.records.map((r) => ({ id: r.id, [TOMBSTONE_FIELD]: true }));
          if (records.length > 0) yield { kind: "records", records };
        }
      })();
    },
  };
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
  const { format, gzip } = config.input;
  const objects = config.input.objects ?? "snapshot";
  const prefix = config.s3.prefix;
  const deletions = new Set(
    objects === "changes" ? config.streams.filter((s) => DELETION_STREAMS.has(s)) : [],
  );
  const s3 = s3Source({
    bucket: config.s3.bucket,
    streams: Object.fromEntries([
      ...config.streams.map((stream) => [
        stream,
        { key: objectKeyFor(prefix, stream, format, gzip, objects), format: { format, gzip } },
      ]),
      ...[...deletions].map((stream) => [
        `${stream}${DELETED_SUFFIX}`,
        { key: deletedKeyFor(prefix, stream, format, gzip), format: { format, gzip } },
      ]),
    ]),
    clientConfig,
  });
  // The objects hold Intercom records: their descriptors carry Intercom's table layout.
  const withLayout: DiscoverableSource = {
    name: s3.name,
    check: (signal) => s3.check(signal),
    discover: async (signal) => (await s3.discover(signal)).map(withIntercomLayout),
    read: (stream, o) => s3.read(stream, o),
  };
  const source: Source = deletions.size > 0 ? withTombstones(withLayout, deletions) : withLayout;
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
    await Promise.allSettled([s3.close(), sink.close?.()]);
  }
}
