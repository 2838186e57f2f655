import { DeleteObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import {
  type Logger,
  type ProgressEvent,
  type RunReport,
  runPipeline,
  type Sink,
  type Source,
  type StateStore,
  silentLogger,
} from "@sluice/core";
import { s3Sink, s3StateStore } from "@sluice/sink-s3";
import { intercomSource } from "@sluice/source-intercom";
import { splitTombstones } from "./deletions.js";
import type { ExtractConfig } from "./env.js";
import {
  changesPrefix,
  contactIdsKey,
  DELETED_KEY_TEMPLATE,
  DELETION_STREAMS,
  dataKeys,
  EXTRACT_STATE_KEY_TEMPLATE,
  legacyExtractStateKey,
} from "./layout.js";

export interface RunExtractOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /**
   * Extra S3 client settings merged over the defaults (the SDK's credential chain, region and
   * AWS_ENDPOINT_URL_S3). Production passes nothing; the demo and tests pass s3rver's config.
   */
  s3ClientConfig?: S3ClientConfig;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Intercom → S3, laid out as `layout.ts` says: a full run writes the snapshot (`users.json`,
 * `conversations.json` with each conversation's parts, `<stream>.json`), an incremental run the
 * changes since the previous run under `changes/`, and every run the deletions under `deleted/`
 * and each stream's cursor under `_state/extract/`. Every object belongs to one stream, so tasks
 * for different streams can share the prefix and run at once. Checks the Intercom token and the
 * bucket first, so a bad credential fails in one call.
 */
export async function runExtract(config: ExtractConfig, options: RunExtractOptions = {}): Promise<RunReport> {
  const logger = options.logger ?? silentLogger();
  const clientConfig: S3ClientConfig = {
    ...(config.s3.forcePathStyle ? { forcePathStyle: true } : {}),
    ...options.s3ClientConfig,
  };
  const { bucket, prefix } = config.s3;
  const source: Source = intercomSource({
    accessToken: config.intercom.accessToken,
    baseUrl: config.intercom.apiUrl,
    contactSweep: config.contactSweep ?? "auto",
    idStore: s3StateStore({ bucket, key: contactIdsKey(prefix), clientConfig }),
  });
  const format = { format: config.output.format, gzip: config.output.gzip };
  const data = s3Sink({ bucket, prefix, ...dataKeys(config.syncMode), format, clientConfig });
  const deleted = s3Sink({ bucket, prefix, keyTemplate: DELETED_KEY_TEMPLATE, format, clientConfig });
  const sink: Sink = splitTombstones(data, deleted, DELETION_STREAMS);
  // every successful run saves the cursor, full runs too: the next incremental run starts there.
  // One object per stream (tasks for different streams never write the same one); a stream
  // without its object yet resumes from the single object older versions wrote.
  const stateStore: StateStore = s3StateStore({
    bucket,
    prefix,
    keyTemplate: EXTRACT_STATE_KEY_TEMPLATE,
    fallbackKey: legacyExtractStateKey(prefix),
    clientConfig,
  });
  try {
    await Promise.all([source.check?.(options.signal), sink.check?.(options.signal)]);
    const report = await runPipeline({
      source,
      sink,
      streams: config.streams,
      syncMode: config.syncMode,
      // every run rewrites its objects: the snapshot (full) or the changes since the last run
      writeMode: "replace",
      stateStore,
      ...(options.signal ? { signal: options.signal } : {}),
      logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (config.syncMode === "full") await removeStaleChanges(config, clientConfig, logger);
    return report;
  } finally {
    await Promise.allSettled([source.close?.(), sink.close?.()]);
  }
}

/**
 * After a full run, the previous incremental run's `changes/` objects of the streams it ran no
 * longer describe anything. Other streams' objects are left alone: their tasks may be running.
 */
async function removeStaleChanges(config: ExtractConfig, clientConfig: S3ClientConfig, logger: Logger) {
  const client = new S3Client(clientConfig);
  const Bucket = config.s3.bucket;
  try {
    for (const stream of config.streams) {
      const Prefix = changesPrefix(config.s3.prefix, stream);
      const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix }));
      for (const o of listed.Contents ?? []) {
        if (!o.Key) continue;
        await client.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
        logger.info({ key: o.Key, stream }, "removed the previous incremental run's changes");
      }
    }
  } finally {
    client.destroy();
  }
}
