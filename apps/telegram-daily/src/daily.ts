import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { type Logger, type RunReport, runPipeline, silentLogger } from "@sluice/core";
import { s3Sink } from "@sluice/sink-s3";
import {
  enrichedKey,
  MESSAGE_ROW_SCHEMA,
  MESSAGES_STREAM,
  rawDaySource,
  yesterdayIn,
} from "@sluice/source-telegram";
import type { DailyConfig } from "./env.js";

export interface RunDailyOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /** Extra S3 client settings (tests: s3rver). Production: the SDK's defaults. */
  s3ClientConfig?: S3ClientConfig;
  /** A ready S3 client for both buckets (the benchmark's synthetic S3); the caller keeps ownership. */
  s3Client?: S3Client;
  /** The clock that decides D-1 when DATE is unset (tests; the Lambda passes the schedule's time). */
  now?: () => Date;
  /** GetObjects in flight while reading the day. Default 16. */
  concurrency?: number;
}

/** The day a run processes: DATE, else yesterday in the partition time zone at `now`. */
export function dayToProcess(config: Pick<DailyConfig, "date" | "timeZone">, now: Date): string {
  return config.date ?? yesterdayIn(now, config.timeZone);
}

/**
 * Raw updates of one day → one Parquet file, `${ENRICHED_PREFIX}context_date=DAY/telegram.parquet`.
 * The day is listed and read as a stream (bounded memory) and the file is uploaded as it is
 * encoded, but becomes visible only once complete (multipart upload completed at commit): a
 * failure leaves the previous file, a rerun replaces it whole.
 */
export async function runDaily(
  config: DailyConfig,
  options: RunDailyOptions = {},
): Promise<RunReport & { day: string; key: string }> {
  const logger = options.logger ?? silentLogger();
  const day = dayToProcess(config, (options.now ?? (() => new Date()))());
  const clientConfig: S3ClientConfig = {
    ...(config.forcePathStyle ? { forcePathStyle: true } : {}),
    ...options.s3ClientConfig,
  };
  const key = enrichedKey(config.enrichedPrefix, day);
  const s3 = options.s3Client ? { client: options.s3Client } : { clientConfig };
  const source = rawDaySource({
    bucket: config.rawBucket,
    prefix: config.rawPrefix,
    day,
    skipInvalid: config.skipInvalid,
    ...s3,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const sink = s3Sink({
    bucket: config.enrichedBucket,
    keyTemplate: key,
    format: { format: "parquet", parquet: { schema: MESSAGE_ROW_SCHEMA } },
    ...s3,
  });
  logger.info(
    {
      day,
      raw: `s3://${config.rawBucket}/${config.rawPrefix}context_date=${day}/`,
      target: `s3://${config.enrichedBucket}/${key}`,
    },
    "processing day",
  );
  try {
    // no HeadBucket checks: the job's role may list only the raw prefix (least privilege), and
    // the listing itself fails clearly (AuthError, or ConfigError for a missing bucket)
    const report = await runPipeline({
      source,
      sink,
      streams: [MESSAGES_STREAM.name],
      syncMode: "full",
      writeMode: "replace",
      logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { objects, withoutMessage, invalidKeys } = source.stats;
    if (invalidKeys.length > 0) {
      logger.warn(
        { day, invalid: invalidKeys.length, keys: invalidKeys.slice(0, 100) },
        "raw objects that are not Telegram Updates were skipped (SKIP_INVALID=true)",
      );
    }
    logger.info(
      { day, key, objects, rows: report.records, withoutMessage, invalid: invalidKeys.length },
      "day written",
    );
    return { ...report, day, key };
  } finally {
    await Promise.allSettled([source.close(), sink.close?.()]);
  }
}
