import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import {
  ConfigError,
  type ConfigIssue,
  DataError,
  type JsonObject,
  type Logger,
  registerSecret,
  silentLogger,
  zodIssues,
} from "@sluice/core";
import { createEncoder, extensionFor, type FormatOptions } from "@sluice/formats";
import { resolveClient } from "@sluice/s3-common";
import { z } from "zod";
import { bucketNameProblems, REGION_PATTERN } from "./naming-rules.js";
import { ObjectUpload } from "./object-upload.js";

/** Part size and parallel parts of the upload: one PutObject below 8 MiB, else multipart. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** The seed project's config for landing a payload in S3 (snake_case, as read from its config files). */
export interface WriteToS3Config {
  bucket_name: string;
  /** Object key; ending in "/" (or empty) means a folder, and "payload.<ext>" is appended. */
  bucket_path: string;
  aws_region_name: string;
  /** Optional: without both keys the SDK's default credential chain is used. */
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  format?: "json" | "jsonl" | "csv" | "parquet";
  gzip?: boolean;
}

export interface WriteToS3Options {
  /** A ready client (tests, custom endpoints); the config's region/credentials are then unused. */
  client?: S3Client;
  /** Extra client settings merged under the config's region and credentials. */
  clientConfig?: S3ClientConfig;
  /** Extra format options (CSV columns, Parquet schema). */
  formatOptions?: Omit<FormatOptions, "format" | "gzip">;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface WriteToS3Result {
  bucket: string;
  key: string;
  location: string;
  records: number;
  bytes: number;
  sha256: string;
  contentType: string;
  etag?: string | undefined;
}

const nonEmpty = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`);

const configSchema = z.object({
  bucket_name: nonEmpty("bucket name").superRefine((name, ctx) => {
    for (const message of bucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
  }),
  bucket_path: z
    .string({ error: 'bucket path is required (use "" or "folder/" for the default file name)' })
    .superRefine((path, ctx) => {
      if (path.startsWith("/")) ctx.addIssue({ code: "custom", message: 'must be relative: no leading "/"' });
      if (path.split(/[/\\]/).includes(".."))
        ctx.addIssue({ code: "custom", message: 'must not contain ".."' });
      if (path.includes("\\"))
        ctx.addIssue({ code: "custom", message: 'use "/" as the separator, not "\\"' });
      if ([...path].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
        ctx.addIssue({ code: "custom", message: "must not contain control characters" });
      if (path.includes("//"))
        ctx.addIssue({ code: "custom", message: 'must not contain empty segments ("//")' });
      if (Buffer.byteLength(path) > 1000)
        ctx.addIssue({ code: "custom", message: "is too long for an S3 key" });
    }),
  aws_region_name: nonEmpty("region").regex(
    REGION_PATTERN,
    "must be an AWS region code such as us-east-1, eu-west-2, ap-southeast-2, cn-north-1 or us-gov-west-1",
  ),
  aws_access_key_id: z.string().min(1, "must not be empty when given").optional(),
  aws_secret_access_key: z.string().min(1, "must not be empty when given").optional(),
  format: z.enum(["json", "jsonl", "csv", "parquet"]).default("json"),
  gzip: z.boolean().default(false),
});

type ParsedConfig = z.output<typeof configSchema>;

/**
 * Validates the whole config and throws one ConfigError listing every invalid field. No request
 * is made before this passes. Secrets are never echoed: only field names and rules appear.
 */
export function validateWriteToS3Config(config: unknown): ParsedConfig {
  const input = (config && typeof config === "object" ? config : {}) as Record<string, unknown>;
  // register secrets first, so even an error message that quoted them would be redacted
  if (typeof input.aws_secret_access_key === "string") registerSecret(input.aws_secret_access_key);
  if (typeof input.aws_access_key_id === "string") registerSecret(input.aws_access_key_id);

  const issues: ConfigIssue[] = [];
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    issues.push({ field: "", message: "config must be an object" });
  }
  const result = configSchema.safeParse(input);
  if (!result.success) issues.push(...zodIssues(result.error));
  // cross-field rule, checked even when other fields are invalid
  const hasId = input.aws_access_key_id !== undefined && input.aws_access_key_id !== "";
  const hasSecret = input.aws_secret_access_key !== undefined && input.aws_secret_access_key !== "";
  if (hasId && !hasSecret) {
    issues.push({ field: "aws_secret_access_key", message: "is required when aws_access_key_id is given" });
  }
  if (hasSecret && !hasId) {
    issues.push({ field: "aws_access_key_id", message: "is required when aws_secret_access_key is given" });
  }
  if (issues.length > 0 || !result.success) throw new ConfigError("writeToS3 config", issues);
  return result.data;
}

/** The object key for a config: `bucket_path`, or `bucket_path + "payload.<ext>"` for a folder. */
export function payloadKey(bucketPath: string, format: FormatOptions): string {
  if (bucketPath === "" || bucketPath.endsWith("/")) return `${bucketPath}payload.${extensionFor(format)}`;
  return bucketPath;
}

function toRecords(payload: unknown): JsonObject[] {
  const isObject = (v: unknown): v is JsonObject => !!v && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(payload)) {
    const bad = payload.findIndex((r) => !isObject(r));
    if (bad >= 0) {
      throw new DataError("payload array must contain only objects (records)", { position: bad });
    }
    return payload as JsonObject[];
  }
  if (isObject(payload)) return [payload];
  throw new DataError(
    `payload must be an object or an array of objects, got ${payload === null ? "null" : typeof payload}`,
    {},
  );
}

/**
 * Writes `payload` (a key-value object = one record, or an array of records) from memory to
 * `s3://bucket_name/bucket_path` in the configured format. The client comes from the shared
 * resolver (`@sluice/s3-common`) and the body goes through the S3 sink's object upload (one
 * PutObject, or a multipart upload for large payloads, aborted on failure or on `signal`).
 */
export async function writeToS3(
  config: WriteToS3Config,
  payload: JsonObject | JsonObject[],
  options: WriteToS3Options = {},
): Promise<WriteToS3Result> {
  const cfg = validateWriteToS3Config(config);
  const records = toRecords(payload);
  const logger = (options.logger ?? silentLogger()).child({ component: "writeToS3" });
  const format: FormatOptions = { ...options.formatOptions, format: cfg.format, gzip: cfg.gzip };
  const key = payloadKey(cfg.bucket_path, format);
  const encoder = createEncoder(format);
  const credentials =
    cfg.aws_access_key_id && cfg.aws_secret_access_key
      ? { credentials: { accessKeyId: cfg.aws_access_key_id, secretAccessKey: cfg.aws_secret_access_key } }
      : {};
  const { client, owned } = resolveClient(
    options.client
      ? { client: options.client }
      : { clientConfig: { ...options.clientConfig, ...credentials }, region: cfg.aws_region_name },
  );
  const upload = new ObjectUpload({
    client,
    bucket: cfg.bucket_name,
    key,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    contentType: encoder.contentType,
    contentEncoding: encoder.contentEncoding,
    signal: options.signal ?? new AbortController().signal,
    logger,
  });
  try {
    options.signal?.throwIfAborted();
    await upload.append(await encoder.encode(records));
    await upload.append(await encoder.finish());
    upload.records = records.length;
    const summary = await upload.complete();
    logger.info(
      { location: upload.uri, records: records.length, bytes: summary.bytes },
      "payload written to S3",
    );
    return {
      bucket: cfg.bucket_name,
      key,
      location: upload.uri,
      records: records.length,
      bytes: summary.bytes,
      sha256: summary.sha256,
      contentType: encoder.contentType,
      etag: summary.etag,
    };
  } catch (e) {
    await upload.abort();
    throw e;
  } finally {
    if (owned) client.destroy();
  }
}
