import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { type Logger, type RunReport, runContinuous } from "@sluice/core";
import { s3StateStore } from "@sluice/sink-s3";
import { rawUpdatesSink, s3RawStore, telegramPollingSource, UPDATES_STREAM } from "@sluice/source-telegram";
import type { PollConfig } from "./env.js";

export interface PollOptions {
  signal?: AbortSignal;
  logger?: Logger;
  s3ClientConfig?: S3ClientConfig;
  /** Stop after the bot has been quiet this long (tests, one-shot catch-up). Default: run until SIGTERM. */
  exitWhenIdleMs?: number;
}

/**
 * getUpdates → the raw layout the webhook writes (`${RAW_PREFIX}context_date=…/<update_id>.json`),
 * on the continuous runner: each micro-batch is stored, then its offset is saved in the state
 * object, then the source may confirm it to Telegram with the next poll.
 */
export async function runPoll(config: PollConfig, options: PollOptions = {}): Promise<RunReport> {
  const clientConfig: S3ClientConfig = {
    ...(config.forcePathStyle ? { forcePathStyle: true } : {}),
    ...options.s3ClientConfig,
  };
  const store = s3RawStore({ bucket: config.rawBucket, clientConfig });
  try {
    return await runContinuous({
      source: telegramPollingSource({
        token: config.botToken,
        baseUrl: config.apiUrl,
        pollTimeoutSeconds: config.pollTimeoutSeconds,
      }),
      sink: rawUpdatesSink({ store, prefix: config.rawPrefix, timeZone: config.timeZone }),
      streams: [UPDATES_STREAM.name],
      writeMode: "append",
      stateStore: s3StateStore({ bucket: config.rawBucket, key: config.stateKey, clientConfig }),
      batch: { maxRecords: 100, maxLatencyMs: 1000 },
      ...(options.exitWhenIdleMs !== undefined ? { exitWhenIdleMs: options.exitWhenIdleMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } finally {
    await store.close?.();
  }
}
