// Test-only helpers (not exported from the package).
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type JsonObject, type OpenOptions, silentLogger, type WriteMode } from "@sluice/core";

export async function getBytes(client: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === "NoSuchKey") return undefined;
    throw e;
  }
}

export async function putBytes(client: S3Client, bucket: string, key: string, body: Uint8Array | string) {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function listKeys(client: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    token = r.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function listUploads(client: S3Client, bucket: string): Promise<string[]> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => u.Key!);
}

/** Parses JSON Lines (optionally gzipped) bytes. */
export function parseJsonl(bytes: Buffer, gzip = false): JsonObject[] {
  const text = (gzip ? gunzipSync(bytes) : bytes).toString("utf8");
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as JsonObject);
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function openOptions(mode: WriteMode = "replace", extra: Partial<OpenOptions> = {}): OpenOptions {
  return {
    mode,
    runId: `run-${Math.random().toString(36).slice(2, 10)}`,
    runStartedAt: new Date("2024-03-05T07:08:09Z"),
    signal: new AbortController().signal,
    logger: silentLogger(),
    ...extra,
  };
}

/** `count` records of about `size` bytes each, deterministic, with some unicode. */
export function bigRecords(count: number, size: number, offset = 0): JsonObject[] {
  const filler = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(Math.ceil(size / 36)).slice(0, size);
  return Array.from({ length: count }, (_, i) => ({
    id: offset + i,
    name: `rec ${offset + i} ✓ 😀`,
    blob: `${offset + i}:${filler}`,
  }));
}
