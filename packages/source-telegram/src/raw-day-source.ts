import { getMaxListeners, setMaxListeners } from "node:events";
import {
  GetObjectCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
  type S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import {
  ConfigError,
  DataError,
  type DiscoverableSource,
  type JsonObject,
  parseOptions,
  type ReadOptions,
  type SourceMessage,
} from "@sluice/core";
import { clientExclusivity, clientOptionFields, resolveClient, toS3Error } from "@sluice/s3-common";
import { z } from "zod";
import { dayPrefix, isIsoDay } from "./partition.js";
import { MESSAGES_STREAM, messageRow, parseUpdate } from "./update.js";

export interface RawDaySourceOptions {
  bucket: string;
  /** Prefix of the raw partitions. Default "telegram/". */
  prefix?: string;
  /** The day to read, `YYYY-MM-DD`: every object under `${prefix}context_date=${day}/`. */
  day: string;
  /** A raw object that is not an Update: fail the run naming its key (default), or skip and report it. */
  skipInvalid?: boolean;
  /** GetObjects in flight. Default 16. */
  concurrency?: number;
  /** Rows per yielded batch. Default 1000. */
  batchSize?: number;
  /** MaxKeys per ListObjectsV2 page. Default 1000. */
  listPageSize?: number;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  region?: string;
}

/** What a read saw, for the job's report. */
export interface RawDayStats {
  objects: number;
  rows: number;
  /** Updates that carry no message (callback queries, reactions...): no row. */
  withoutMessage: number;
  /** Keys of raw objects that are not Updates (only with skipInvalid). */
  invalidKeys: string[];
}

const schema = z
  .object({
    bucket: z.string().min(3).max(63),
    prefix: z.string().default("telegram/"),
    day: z.string().refine(isIsoDay, "must be a date written YYYY-MM-DD"),
    skipInvalid: z.boolean().default(false),
    concurrency: z.number().int().min(1).max(256).default(16),
    batchSize: z.number().int().min(1).max(100_000).default(1000),
    listPageSize: z.number().int().min(1).max(1000).default(1000),
    ...clientOptionFields,
  })
  .refine(clientExclusivity.check, clientExclusivity.issue);

/** Yields `[key, bytes]` in `keys` order with up to `concurrency` fetches in flight. */
async function* fetchInOrder(
  keys: AsyncIterable<string>,
  concurrency: number,
  fetch: (key: string) => Promise<Uint8Array>,
): AsyncGenerator<[string, Uint8Array]> {
  const window: Array<{ key: string; bytes: Promise<Uint8Array> }> = [];
  const start = (key: string) => {
    const bytes = fetch(key);
    bytes.catch(() => undefined); // rejections are observed when the entry is awaited
    window.push({ key, bytes });
  };
  for await (const key of keys) {
    start(key);
    if (window.length >= concurrency) {
      const head = window.shift()!;
      yield [head.key, await head.bytes];
    }
  }
  for (const entry of window.splice(0)) yield [entry.key, await entry.bytes];
}

/**
 * The raw updates of one day as message rows (stream `telegram_messages`): the day's
 * partition is listed page by page and its objects fetched a few at a time, in key order, so
 * memory holds one listing page, `concurrency` objects and one batch, whatever the day's size.
 */
export function rawDaySource(
  options: RawDaySourceOptions,
): DiscoverableSource & { stats: RawDayStats; close(): Promise<void> } {
  const opts = parseOptions(schema, options, "rawDaySource options");
  const { client, owned } = resolveClient(opts);
  const partition = dayPrefix(opts.prefix, opts.day);
  const stats: RawDayStats = { objects: 0, rows: 0, withoutMessage: 0, invalidKeys: [] };

  async function* listKeys(ro: ReadOptions): AsyncGenerator<string> {
    try {
      for await (const page of paginateListObjectsV2(
        { client, pageSize: opts.listPageSize },
        { Bucket: opts.bucket, Prefix: partition },
      )) {
        ro.reporter.call();
        for (const o of page.Contents ?? []) if (o.Key?.endsWith(".json")) yield o.Key;
        if (ro.signal.aborted) return;
      }
    } catch (e) {
      throw toS3Error(e, `ListObjectsV2 s3://${opts.bucket}/${partition}`, opts.bucket, "source");
    }
  }

  async function getObject(key: string, ro: ReadOptions): Promise<Uint8Array> {
    try {
      ro.reporter.call();
      const r = await client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }), {
        abortSignal: ro.signal,
      });
      return (await r.Body?.transformToByteArray()) ?? new Uint8Array(0);
    } catch (e) {
      throw toS3Error(e, `GetObject s3://${opts.bucket}/${key}`, opts.bucket, "source");
    }
  }

  function toRow(key: string, bytes: Uint8Array, ro: ReadOptions): JsonObject | undefined {
    try {
      const row = messageRow(parseUpdate(bytes, { key }), opts.day, key);
      if (!row) stats.withoutMessage++;
      return row;
    } catch (e) {
      if (!(e instanceof DataError) || !opts.skipInvalid) throw e;
      stats.invalidKeys.push(key);
      ro.reporter.warn("invalid_update", `skipped s3://${opts.bucket}/${key}: ${e.message}`, { key });
      return undefined;
    }
  }

  async function* read(ro: ReadOptions): AsyncGenerator<SourceMessage> {
    // every GetObject in flight listens on the run's signal
    setMaxListeners(Math.max(getMaxListeners(ro.signal), opts.concurrency + 10), ro.signal);
    let batch: JsonObject[] = [];
    for await (const [key, bytes] of fetchInOrder(listKeys(ro), opts.concurrency, (k) => getObject(k, ro))) {
      stats.objects++;
      const row = toRow(key, bytes, ro);
      if (!row) continue;
      stats.rows++;
      batch.push(row);
      if (batch.length >= opts.batchSize) {
        yield { kind: "records", records: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { kind: "records", records: batch };
  }

  return {
    name: "telegram-raw",
    stats,
    async check(signal) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: opts.bucket }), { abortSignal: signal });
      } catch (e) {
        throw toS3Error(e, `HeadBucket ${opts.bucket}`, opts.bucket, "source");
      }
    },
    async discover() {
      return [MESSAGES_STREAM];
    },
    read(stream, ro) {
      if (stream !== MESSAGES_STREAM.name) {
        throw new ConfigError("rawDaySource read", [
          {
            field: "stream",
            message: `unknown stream "${stream}"; the only stream is ${MESSAGES_STREAM.name}`,
          },
        ]);
      }
      return read(ro);
    },
    async close() {
      if (owned) client.destroy();
    },
  };
}
