import { GetObjectCommand, PutObjectCommand, type S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import {
  type Checkpoint,
  ConfigError,
  DataError,
  parseOptions,
  SinkError,
  type StateStore,
} from "@sluice/core";
import { isNotFound, resolveClient, s3Code, s3Status, toS3Error } from "@sluice/s3-common";
import { z } from "zod";
import { fillTemplate, placeholdersIn } from "./key-template.js";
import { bucketSchema, objectKeySchema } from "./options.js";

export interface S3StateStoreOptions {
  bucket: string;
  /** Object key of the JSON document holding every checkpoint, e.g. "state/intercom.json". */
  key?: string;
  /**
   * Instead of `key`: one object per checkpoint key, e.g. "{prefix}_state/{stream}.json".
   * `{key}` is the checkpoint key, `{stream}` its last `/` segment (the stream of the runners'
   * `<source>/<stream>` keys), `{prefix}` the `prefix` option. Writers of different checkpoint
   * keys then never write the same object.
   */
  keyTemplate?: string;
  /** Rendered for `{prefix}` in `keyTemplate`. Default "". */
  prefix?: string;
  /**
   * A single-object state document (the `key` layout) read when a checkpoint is absent from
   * its own object, never written: moving a store from `key` to `keyTemplate` keeps the cursors.
   */
  fallbackKey?: string;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  region?: string;
  /** Attempts when a concurrent writer changed the object between read and write. Default 5. */
  maxConflictRetries?: number;
}

const TEMPLATE_PLACEHOLDERS = ["prefix", "key", "stream"];

const templateSchema = objectKeySchema.superRefine((t, ctx) => {
  const names = placeholdersIn(t);
  const unknown = names.filter((n) => !TEMPLATE_PLACEHOLDERS.includes(n));
  if (unknown.length > 0) {
    const list = unknown.map((u) => `{${u}}`).join(", ");
    ctx.addIssue({ code: "custom", message: `unknown placeholder(s) ${list}; use {prefix} {key} {stream}` });
  }
  if (!names.includes("key") && !names.includes("stream")) {
    ctx.addIssue({ code: "custom", message: "must contain {key} or {stream} (else use key)" });
  }
});

const schema = z
  .object({
    bucket: bucketSchema,
    key: objectKeySchema.optional(),
    keyTemplate: templateSchema.optional(),
    prefix: z.string().default(""),
    fallbackKey: objectKeySchema.optional(),
    client: z.custom<S3Client>((v) => typeof (v as S3Client | undefined)?.send === "function").optional(),
    clientConfig: z.custom<S3ClientConfig>((v) => typeof v === "object" && v !== null).optional(),
    region: z.string().min(1).optional(),
    maxConflictRetries: z.number().int().min(0).max(20).default(5),
  })
  .superRefine((o, ctx) => {
    if ((o.key === undefined) === (o.keyTemplate === undefined)) {
      ctx.addIssue({ code: "custom", path: ["key"], message: "give exactly one of key and keyTemplate" });
    }
  });

type Options = z.output<typeof schema>;

interface Snapshot {
  all: Record<string, Checkpoint>;
  etag: string | undefined;
}

/** Maps a checkpoint key to the object that holds it. */
function objectKeyOf(opts: Options): (checkpointKey: string) => string {
  const { key, keyTemplate, prefix } = opts;
  if (key !== undefined) return () => key;
  return (checkpointKey) => {
    const values: Record<string, string> = {
      prefix,
      key: checkpointKey,
      stream: checkpointKey.slice(checkpointKey.lastIndexOf("/") + 1),
    };
    const rendered = fillTemplate(keyTemplate!, values);
    const valid = objectKeySchema.safeParse(rendered);
    if (!valid.success) {
      const message = `checkpoint key "${checkpointKey}" renders "${rendered}": ${valid.error.issues[0]?.message}`;
      throw new ConfigError("s3StateStore keyTemplate", [{ field: "keyTemplate", message }]);
    }
    return rendered;
  };
}

/**
 * Checkpoints kept as JSON documents on S3: `{ "<source>/<stream>": { ...checkpoint } }` — every
 * checkpoint in one object (`key`), or one object per checkpoint key (`keyTemplate`), so that
 * processes saving different keys (one task per stream) never write the same object.
 *
 * Saves are read-modify-write with a conditional PutObject: `If-Match: <etag>` when the object
 * exists, `If-None-Match: *` when it does not, so a concurrent writer's update is never lost
 * (on 412 the store re-reads and retries). Servers without conditional writes (older S3
 * emulators such as s3rver ignore the headers; some answer 501 NotImplemented) degrade to a
 * plain PutObject: saves within one process are still serialised, but two processes saving at
 * the same moment into the same object could then overwrite each other's keys.
 */
export function s3StateStore(options: S3StateStoreOptions): StateStore {
  const opts = parseOptions(schema, options, "s3StateStore options");
  const { client } = resolveClient(opts);
  const objectKey = objectKeyOf(opts);
  const documents = stateDocuments(client, opts.bucket);
  let queue: Promise<unknown> = Promise.resolve();

  async function saveOnce(key: string, checkpoint: Checkpoint, signal?: AbortSignal): Promise<void> {
    const target = objectKey(key);
    const where = `s3://${opts.bucket}/${target}`;
    for (let attempt = 0; ; attempt++) {
      const { all, etag } = await documents.read(target, signal);
      all[key] = checkpoint;
      try {
        await documents.write(target, all, etag, signal);
        return;
      } catch (e) {
        const conflict = s3Status(e) === 412 || s3Status(e) === 409 || s3Code(e) === "PreconditionFailed";
        if (conflict && attempt < opts.maxConflictRetries) continue;
        if (conflict) {
          throw new SinkError(`State object ${where} kept changing under concurrent writers`, { cause: e });
        }
        throw toS3Error(e, `PutObject ${where}`, opts.bucket);
      }
    }
  }

  return {
    async load(key, signal) {
      await queue;
      const own = (await documents.read(objectKey(key), signal)).all;
      if (Object.hasOwn(own, key) || opts.fallbackKey === undefined) return own[key];
      return (await documents.read(opts.fallbackKey, signal)).all[key];
    },
    save(key, checkpoint, signal) {
      const next = queue.then(() => saveOnce(key, checkpoint, signal));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

/** Reads and (conditionally) writes state documents of one bucket. */
function stateDocuments(client: S3Client, bucket: string) {
  let conditional = true;

  async function read(key: string, signal?: AbortSignal): Promise<Snapshot> {
    let text: string;
    let etag: string | undefined;
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
      text = (await r.Body?.transformToString("utf8")) ?? "";
      etag = r.ETag;
    } catch (e) {
      if (isNotFound(e) && s3Code(e) !== "NoSuchBucket") return { all: {}, etag: undefined };
      throw toS3Error(e, `GetObject s3://${bucket}/${key}`, bucket);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("not a JSON object");
      return { all: parsed as Record<string, Checkpoint>, etag };
    } catch (e) {
      throw new DataError(
        `State object is not a JSON object: ${(e as Error).message}`,
        { key },
        { cause: e },
      );
    }
  }

  async function write(
    key: string,
    all: Record<string, Checkpoint>,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const body = `${JSON.stringify(all, null, 2)}\n`;
    const base = { Bucket: bucket, Key: key, Body: body, ContentType: "application/json" };
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

  return { read, write };
}
