import type { JsonObject } from "@sluice/core";
import type { DecodeOptions, RangeReader } from "./types.js";

/** Streaming decode: yields record batches. (stub: implementation in progress) */
export function decodeRecords(
  _input: AsyncIterable<Uint8Array>,
  _options: DecodeOptions,
): AsyncIterable<JsonObject[]> {
  throw new Error("@sluice/formats: decodeRecords not implemented yet");
}

/** Parquet decode from a byte-range reader. (stub: implementation in progress) */
export function decodeParquet(
  _reader: RangeReader,
  _options: { key?: string; batchSize?: number },
): AsyncIterable<JsonObject[]> {
  throw new Error("@sluice/formats: decodeParquet not implemented yet");
}
