import type { S3ClientConfig } from "@aws-sdk/client-s3";
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
import { INTERCOM_STREAMS, intercomObjectName, intercomSource } from "@sluice/source-intercom";
import type { ExtractConfig } from "./env.js";

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

/** Object key template per stream: contacts land as `users.*`, the rest under their own name. */
export const EXTRACT_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  INTERCOM_STREAMS.filter((s) => intercomObjectName(s) !== s).map((s) => [
    s,
    `{prefix}${intercomObjectName(s)}.{ext}`,
  ]),
);
export const DEFAULT_KEY_TEMPLATE = "{prefix}{stream}.{ext}";

/** Where incremental checkpoints live: next to the data. */
export function extractStateKey(prefix: string): string {
  return `${prefix}_state/extract.json`;
}

/**
 * Intercom → S3: one object per stream (`${prefix}users.json`, `${prefix}conversations.json`
 * with each conversation's parts, `${prefix}<stream>.<ext>`), each replaced atomically. Checks the
 * Intercom token and the bucket first, so a bad credential fails in one call.
 */
export async function runExtract(config: ExtractConfig, options: RunExtractOptions = {}): Promise<RunReport> {
  const logger = options.logger ?? silentLogger();
  const clientConfig: S3ClientConfig = {
    ...(config.s3.forcePathStyle ? { forcePathStyle: true } : {}),
    ...options.s3ClientConfig,
  };
  const source: Source = intercomSource({
    accessToken: config.intercom.accessToken,
    baseUrl: config.intercom.apiUrl,
  });
  const sink: Sink = s3Sink({
    bucket: config.s3.bucket,
    prefix: config.s3.prefix,
    keyTemplate: DEFAULT_KEY_TEMPLATE,
    keys: EXTRACT_KEYS,
    format: { format: config.output.format, gzip: config.output.gzip },
    clientConfig,
  });
  const stateStore: StateStore | undefined =
    config.syncMode === "incremental"
      ? s3StateStore({ bucket: config.s3.bucket, key: extractStateKey(config.s3.prefix), clientConfig })
      : undefined;
  try {
    await Promise.all([source.check?.(options.signal), sink.check?.(options.signal)]);
    return await runPipeline({
      source,
      sink,
      streams: config.streams,
      syncMode: config.syncMode,
      // every run rewrites its objects; an incremental run's objects hold the changes since the last one
      writeMode: "replace",
      ...(stateStore ? { stateStore } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await Promise.allSettled([source.close?.(), sink.close?.()]);
  }
}
