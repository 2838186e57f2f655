import { PutObjectCommand, type S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { parseOptions } from "@sluice/core";
import { clientExclusivity, clientOptionFields, resolveClient, toS3Error } from "@sluice/s3-common";
import { z } from "zod";

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
