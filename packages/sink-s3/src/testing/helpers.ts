// Test-only helpers (not exported from the package).
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";

export { getBytes, listKeys, putBytes } from "./objects.js";

import { type JsonObject, type OpenOptions, silentLogger, type WriteMode } from "@sluice/core";

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
