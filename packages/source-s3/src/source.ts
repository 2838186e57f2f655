import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
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
  SluiceError,
  type SourceMessage,
  type StreamDescriptor,
} from "@sluice/core";
import {
  decodeParquet,
  decodeRecords,
  type FormatOptions,
  formatFromKey,
  formatOptionsSchema,
} from "@sluice/formats";
import {
  clientExclusivity,
  clientOptionFields,
  isNotFound,
  resolveClient,
  s3Code,
  toS3Error,
} from "@sluice/s3-common";
import { z } from "zod";

export interface S3StreamConfig {
  /** Read exactly this object. */
  key?: string;
  /** Or read every object under this prefix, in key order. */
  prefix?: string;
  /** Format; default inferred from each key's extension (".jsonl.gz", ".csv", ".parquet" ...). */
  format?: FormatOptions;
  /** Default ["id"]. */
  primaryKey?: string[];
}

export interface S3SourceOptions {
  bucket: string;
  streams: Record<string, S3StreamConfig>;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  region?: string;
  /** Records per yielded batch. Default 1000. */
  batchSize?: number;
  /** MaxKeys per ListObjectsV2 page (1-1000). Default 1000. */
  listPageSize?: number;
}

const streamSchema = z
  .object({
    key: z.string().min(1).optional(),
    prefix: z.string().optional(),
    format: formatOptionsSchema.optional(),
    primaryKey: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((s) => (s.key === undefined) !== (s.prefix === undefined), {
    message: "give exactly one of key or prefix",
  });

const optionsSchema = z
  .object({
    bucket: z
      .string()
      .min(3)
      .max(63)
      .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "must be a valid S3 bucket name"),
    streams: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, "stream names are snake_case"), streamSchema)
      .refine((s) => Object.keys(s).length > 0, "configure at least one stream"),
    ...clientOptionFields,
    batchSize: z.number().int().min(1).max(1_000_000).default(1000),
    listPageSize: z.number().int().min(1).max(1000).default(1000),
  })
  .refine(clientExclusivity.check, clientExclusivity.issue);

interface ObjectRef {
  key: string;
  size?: number | undefined;
}

/**
 * S3 source: each stream reads one object or every object under a prefix and yields record
 * batches. Text formats stream the GetObject body through the decoder (memory stays flat);
 * Parquet is read with ranged GETs (footer, then row groups).
 */
export function s3Source(options: S3SourceOptions): DiscoverableSource & { close(): Promise<void> } {
  const opts = parseOptions(optionsSchema, options, "s3Source options");
  const { client, owned } = resolveClient(opts);
  const bucket = opts.bucket;

  return {
    name: "s3",
    async check(signal) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      } catch (e) {
        throw toS3Error(e, `HeadBucket ${bucket}`, bucket, "source");
      }
    },
    async discover() {
      return Object.entries(opts.streams).map(
        ([name, s]): StreamDescriptor => ({ name, primaryKey: s.primaryKey ?? ["id"], syncModes: ["full"] }),
      );
    },
    read(stream, readOptions) {
      const config = opts.streams[stream];
      if (!config) {
        throw new ConfigError("s3Source read", [
          {
            field: "stream",
            message: `unknown stream "${stream}"; configured: ${Object.keys(opts.streams).join(", ")}`,
          },
        ]);
      }
      return readStream(stream, config, readOptions);
    },
    async close() {
      if (owned) client.destroy();
    },
  };

  async function* readStream(
    stream: string,
    config: z.output<typeof streamSchema>,
    ro: ReadOptions,
  ): AsyncGenerator<SourceMessage> {
    const refs = config.key !== undefined ? [{ key: config.key }] : listObjects(config.prefix ?? "", ro);
    let objects = 0;
    for await (const ref of refs) {
      const format =
        (config.format as FormatOptions | undefined) ??
        inferFormat(stream, ref.key, config.key !== undefined);
      if (!format) {
        ro.reporter.warn(
          "skipped_object",
          `skipped s3://${bucket}/${ref.key}: unknown format (set streams.${stream}.format)`,
          {
            key: ref.key,
          },
        );
        continue;
      }
      objects++;
      ro.logger.debug({ stream, key: ref.key, format: format.format }, "reading object");
      const batches =
        format.format === "parquet" ? readParquet(stream, ref, ro) : readText(stream, ref.key, format, ro);
      for await (const records of batches) {
        if (records.length > 0) yield { kind: "records", records };
      }
    }
    if (objects === 0 && config.prefix !== undefined) {
      ro.reporter.warn("no_objects", `no objects under s3://${bucket}/${config.prefix}`, {
        prefix: config.prefix,
      });
    }
  }

  function inferFormat(stream: string, key: string, explicitKey: boolean): FormatOptions | undefined {
    const inferred = formatFromKey(key);
    if (!inferred && explicitKey) {
      throw new ConfigError("s3Source options", [
        {
          field: `streams.${stream}.format`,
          message: `cannot infer the format of "${key}" from its extension; set format`,
        },
      ]);
    }
    return inferred;
  }

  async function* listObjects(prefix: string, ro: ReadOptions): AsyncGenerator<ObjectRef> {
    try {
      for await (const page of paginateListObjectsV2(
        { client, pageSize: opts.listPageSize },
        { Bucket: bucket, Prefix: prefix },
        // abortSignal is passed per request by the paginator's client.send in recent SDKs;
        // we also check the signal between pages
      )) {
        ro.reporter.call();
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith("/")) continue; // folder markers
          yield { key: o.Key, size: o.Size };
        }
        if (ro.signal.aborted) return;
      }
    } catch (e) {
      throw toS3Error(e, `ListObjectsV2 s3://${bucket}/${prefix}`, bucket, "source");
    }
  }

  function notFound(stream: string, key: string, cause: unknown): SluiceError {
    if (s3Code(cause) === "NoSuchBucket")
      return toS3Error(cause, `GetObject s3://${bucket}/${key}`, bucket, "source");
    return new DataError("object not found", { stream, key }, { cause });
  }

  async function* readText(
    stream: string,
    key: string,
    format: FormatOptions,
    ro: ReadOptions,
  ): AsyncGenerator<JsonObject[]> {
    let body: (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    try {
      ro.reporter.call();
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: ro.signal,
      });
      body = r.Body as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
    } catch (e) {
      if (isNotFound(e)) throw notFound(stream, key, e);
      throw toS3Error(e, `GetObject s3://${bucket}/${key}`, bucket, "source");
    }
    if (!body) return;
    try {
      const sniffed = await sniffGzip(body);
      let decodeFormat = format;
      if (sniffed.gzip && format.format !== "parquet" && format.gzip !== true) {
        // e.g. a gzip object under a ".json" key: decompress it rather than fail on "Invalid UTF-8"
        ro.reporter.warn(
          "gzip_detected",
          `s3://${bucket}/${key} is gzip-compressed (magic bytes 1f 8b) but its key does not end in .gz: decompressing it`,
          { key },
        );
        decodeFormat = { ...format, gzip: true };
      }
      yield* decodeRecords(sniffed.bytes, { ...decodeFormat, key, batchSize: opts.batchSize });
    } catch (e) {
      if (e instanceof SluiceError) throw e;
      // a network failure while streaming the body
      throw toS3Error(e, `GetObject s3://${bucket}/${key} (reading body)`, bucket, "source");
    } finally {
      body.destroy?.();
    }
  }

  async function* readParquet(stream: string, ref: ObjectRef, ro: ReadOptions): AsyncGenerator<JsonObject[]> {
    const { key } = ref;
    let size = ref.size;
    if (size === undefined) {
      try {
        ro.reporter.call();
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: ro.signal,
        });
        size = head.ContentLength ?? 0;
      } catch (e) {
        if (isNotFound(e)) throw notFound(stream, key, e);
        throw toS3Error(e, `HeadObject s3://${bucket}/${key}`, bucket, "source");
      }
    }
    const reader = {
      size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (length <= 0) return new Uint8Array(0);
        try {
          ro.reporter.call();
          const r = await client.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              Range: `bytes=${offset}-${offset + length - 1}`,
            }),
            { abortSignal: ro.signal },
          );
          return (await r.Body?.transformToByteArray()) ?? new Uint8Array(0);
        } catch (e) {
          if (isNotFound(e)) throw notFound(stream, key, e);
          throw toS3Error(e, `GetObject s3://${bucket}/${key} bytes ${offset}+${length}`, bucket, "source");
        }
      },
    };
    yield* decodeParquet(reader, { key, batchSize: opts.batchSize });
  }
}

/** Reads the first bytes of `body`: gzip (1f 8b) or not, and the whole stream again. */
async function sniffGzip(
  body: AsyncIterable<Uint8Array>,
): Promise<{ gzip: boolean; bytes: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  while (length < 2) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    length += next.value.byteLength;
  }
  const first = head[0];
  const second = first && first.byteLength > 1 ? first[1] : head[1]?.[0];
  const gzip = first?.[0] === 0x1f && second === 0x8b;
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (ended) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { gzip, bytes: replay() };
}
