import type { JsonObject } from "@sluice/core";
import { expect } from "vitest";
import { createEncoder, type DecodeOptions, decodeRecords, type FormatOptions } from "./index.js";

/** Encodes batches and returns the whole output as one Buffer. */
export async function encodeAll(options: FormatOptions, batches: JsonObject[][]): Promise<Buffer> {
  const encoder = createEncoder(options);
  const chunks: Uint8Array[] = [];
  for (const batch of batches) chunks.push(...(await encoder.encode(batch)));
  chunks.push(...(await encoder.finish()));
  return Buffer.concat(chunks);
}

/** Async iterable over the given chunks. */
export async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** Splits bytes into chunks of `size`. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export async function decodeAll(chunks: Uint8Array[], options: DecodeOptions): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  for await (const batch of decodeRecords(fromChunks(chunks), options)) out.push(...batch);
  return out;
}

/** Expects `promise` to reject with a DataError whose location matches. */
export async function expectDataError(
  promise: Promise<unknown>,
  location: { key?: string; line?: number; position?: number; field?: string },
): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, "expected a DataError").toBeDefined();
  expect((error as Error).name).toBe("DataError");
  expect((error as { code?: string }).code).toBe("data_invalid");
  expect((error as unknown as { location: object }).location).toMatchObject(location);
  return error as Error;
}

/** Intercom-like contact records: nested objects, arrays, unicode, nulls. */
export function contacts(n: number, start = 0): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = start; i < start + n; i++) {
    out.push({
      type: "contact",
      id: `6${String(i).padStart(11, "0")}`,
      workspace_id: "abc123",
      role: i % 3 === 0 ? "lead" : "user",
      email: `user${i}@example.com`,
      name: i % 5 === 0 ? null : `Zoë Ünïcødé ${i} 😀 مرحبا`,
      created_at: 1_700_000_000 + i,
      unsubscribed_from_emails: i % 2 === 0,
      score: i / 7,
      custom_attributes: { plan: i % 2 ? "pro" : "free", seats: i % 10, tags: ["a", "b"] },
      tags: { type: "list", data: [{ type: "tag", id: String(i % 4) }] },
    });
  }
  return out;
}
