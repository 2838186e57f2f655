import { PutObjectCommand, type S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { type CommitReport, DataError, type JsonObject, parseOptions, type Sink } from "@sluice/core";
import { clientExclusivity, clientOptionFields, resolveClient, toS3Error } from "@sluice/s3-common";
import { z } from "zod";
import { assertTimeZone, dayIn, rawUpdateKey } from "./partition.js";
import { isTelegramId } from "./update.js";

/** Where the webhook puts one update's bytes. `put` resolves only once the object is durable. */
export interface RawUpdateStore {
  put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface S3RawStoreOptions {
  bucket: string;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  region?: string;
}

const schema = z
  .object({ bucket: z.string().min(3).max(63), ...clientOptionFields })
  .refine(clientExclusivity.check, clientExclusivity.issue);

/**
 * Raw updates in S3: one PutObject per update. A PutObject is atomic (the object appears whole
 * or not at all) and durable when S3 answers 200, and a second PUT of the same key replaces
 * the object, so a redelivered update overwrites itself.
 */
export function s3RawStore(options: S3RawStoreOptions): RawUpdateStore {
  const opts = parseOptions(schema, options, "s3RawStore options");
  const { client, owned } = resolveClient(opts);
  return {
    async put(key, body, signal) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: opts.bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: "application/json",
          }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (e) {
        throw toS3Error(e, `PutObject s3://${opts.bucket}/${key}`, opts.bucket);
      }
    },
    async close() {
      if (owned) client.destroy();
    },
  };
}

export interface RawUpdatesSinkOptions {
  store: RawUpdateStore;
  /** Key prefix of the raw objects. Default "telegram/". */
  prefix?: string;
  /** IANA zone of the day partition. Default "America/Sao_Paulo". */
  timeZone?: string;
  now?: () => Date;
  /** PutObjects in flight per commit. Default 8. */
  concurrency?: number;
}

/**
 * A continuous sink writing each update record to the webhook's raw layout,
 * `${prefix}context_date=<day received>/<update_id>.json`, so updates read with getUpdates land
 * exactly where webhook deliveries do and the daily job reads both. A commit resolves once every
 * object of the micro-batch is stored; a redelivered update overwrites its own key. The body is
 * the update re-serialised (getUpdates returns an array, so there are no per-update bytes to keep).
 */
export function rawUpdatesSink(options: RawUpdatesSinkOptions): Sink {
  const prefix = options.prefix ?? "telegram/";
  const timeZone = options.timeZone ?? "America/Sao_Paulo";
  assertTimeZone(timeZone);
  const now = options.now ?? (() => new Date());
  const concurrency = options.concurrency ?? 8;
  return {
    name: "telegram-raw",
    capabilities: { writeModes: ["append"], continuous: true },
    async open(_stream, open) {
      let staged: JsonObject[] = [];
      return {
        async write(records) {
          for (const r of records) {
            if (!isTelegramId(r.update_id))
              throw new DataError("record is not a Telegram Update", { field: "update_id" });
          }
          staged.push(...records);
        },
        async commit(): Promise<CommitReport> {
          const batch = staged;
          staged = [];
          const day = dayIn(now(), timeZone);
          for (let i = 0; i < batch.length; i += concurrency) {
            await Promise.all(
              batch
                .slice(i, i + concurrency)
                .map((r) =>
                  options.store.put(
                    rawUpdateKey(prefix, day, String(r.update_id)),
                    Buffer.from(JSON.stringify(r)),
                    open.signal,
                  ),
                ),
            );
          }
          return { records: batch.length, location: `${prefix}context_date=${day}/` };
        },
        async abort() {
          staged = [];
        },
        async close() {
          staged = [];
        },
      };
    },
  };
}
