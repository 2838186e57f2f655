import { GetObjectCommand, PutObjectCommand, type S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { type Checkpoint, DataError, parseOptions, SinkError, type StateStore } from "@sluice/core";
import { isNotFound, resolveClient, s3Code, s3Status, toS3Error } from "@sluice/s3-common";
import { z } from "zod";
import { bucketSchema, objectKeySchema } from "./options.js";

export interface S3StateStoreOptions {
  bucket: string;
  /** Object key of the JSON document holding every checkpoint, e.g. "state/intercom.json". */
  key: string;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  region?: string;
  /** Attempts when a concurrent writer changed the object between read and write. Default 5. */
  maxConflictRetries?: number;
}

const schema = z.object({
  bucket: bucketSchema,
  key: objectKeySchema,
  client: z.custom<S3Client>((v) => typeof (v as S3Client | undefined)?.send === "function").optional(),
  clientConfig: z.custom<S3ClientConfig>((v) => typeof v === "object" && v !== null).optional(),
  region: z.string().min(1).optional(),
  maxConflictRetries: z.number().int().min(0).max(20).default(5),
});

interface Snapshot {
  all: Record<string, Checkpoint>;
  etag: string | undefined;
}

/**
 * Checkpoints kept in one JSON object on S3: `{ "<source>/<stream>": { ...checkpoint } }`.
 *
 * Saves are read-modify-write with a conditional PutObject: `If-Match: <etag>` when the object
 * exists, `If-None-Match: *` when it does not, so a concurrent writer's update is never lost
 * (on 412 the store re-reads and retries). Servers without conditional writes (older S3
 * emulators such as s3rver ignore the headers; some answer 501 NotImplemented) degrade to a
 * plain PutObject: saves within one process are still serialised, but two processes saving at
 * the same moment could then overwrite each other's keys.
 */
export function s3StateStore(options: S3StateStoreOptions): StateStore {
  const opts = parseOptions(schema, options, "s3StateStore options");
  const { client } = resolveClient(opts);
  const where = `s3://${opts.bucket}/${opts.key}`;
  let conditional = true;
  let queue: Promise<unknown> = Promise.resolve();

  async function read(signal?: AbortSignal): Promise<Snapshot> {
    let text: string;
    let etag: string | undefined;
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: opts.key }), {
        abortSignal: signal,
      });
      text = (await r.Body?.transformToString("utf8")) ?? "";
      etag = r.ETag;
    } catch (e) {
      if (isNotFound(e) && s3Code(e) !== "NoSuchBucket") return { all: {}, etag: undefined };
      throw toS3Error(e, `GetObject ${where}`, opts.bucket);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("not a JSON object");
      return { all: parsed as Record<string, Checkpoint>, etag };
    } catch (e) {
      throw new DataError(
        `State object is not a JSON object: ${(e as Error).message}`,
        { key: opts.key },
        { cause: e },
      );
    }
  }

  async function write(all: Record<string, Checkpoint>, etag: string | undefined, signal?: AbortSignal) {
    const body = `${JSON.stringify(all, null, 2)}\n`;
    const base = { Bucket: opts.bucket, Key: opts.key, Body: body, ContentType: "application/json" };
    if (conditional) {
      try {
        await client.send(
          new PutObjectCommand({ ...base, ...(etag ? { IfMatch: etag } : { IfNoneMatch: "*" }) }),
          { abortSignal: signal },
        );
        return;
      } catch (e) {
        if (s3Status(e) === 501 || s3Code(e) === "NotImplemented") {
          conditional = false; // server can't do conditional writes: degrade (documented)
        } else {
          throw e;
        }
      }
    }
    await client.send(new PutObjectCommand(base), { abortSignal: signal });
  }

  return {
    async load(key, signal) {
      await queue;
      return (await read(signal)).all[key];
    },
    save(key, checkpoint, signal) {
      const next = queue.then(async () => {
        for (let attempt = 0; ; attempt++) {
          const { all, etag } = await read(signal);
          all[key] = checkpoint;
          try {
            await write(all, etag, signal);
            return;
          } catch (e) {
            const conflict = s3Status(e) === 412 || s3Status(e) === 409 || s3Code(e) === "PreconditionFailed";
            if (conflict && attempt < opts.maxConflictRetries) continue;
            if (conflict) {
              throw new SinkError(`State object ${where} kept changing under concurrent writers`, {
                cause: e,
              });
            }
            throw toS3Error(e, `PutObject ${where}`, opts.bucket);
          }
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
