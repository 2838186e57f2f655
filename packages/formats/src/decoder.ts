import type { JsonObject } from "@sluice/core";
import { gunzipStream } from "./gzip.js";
import { decodeJsonArray } from "./json-array.js";
import { csvOptions, resolveBatchSize, resolveDecodeOptions } from "./options.js";
import { bytesRangeReader, decodeParquetFile } from "./parquet-decoder.js";
import { decodeCsv, decodeJsonLines } from "./text-decoders.js";
import type { DecodeOptions, RangeReader } from "./types.js";

/**
 * Streaming decode of one object's bytes into record batches (default 1000 records each).
 * Bad data throws a DataError naming `key` and the 1-based `line` (JSON, JSONL, CSV), or the
 * byte position / record index. Options are validated eagerly (ConfigError).
 *
 * Parquet needs random access: here the input is collected in memory first. For large files
 * use `decodeParquet` with a RangeReader (ranged GETs) instead.
 */
export function decodeRecords(
  input: AsyncIterable<Uint8Array>,
  options: DecodeOptions,
): AsyncIterable<JsonObject[]> {
  const opts = resolveDecodeOptions(options);
  const batchSize = opts.batchSize ?? 1000;
  const key = opts.key;
  const bytes = opts.gzip === true && opts.format !== "parquet" ? gunzipStream(input, key) : input;
  switch (opts.format) {
    case "json":
      return decodeJsonArray(bytes, key, batchSize);
    case "jsonl":
      return decodeJsonLines(bytes, key, batchSize);
    case "csv":
      return decodeCsv(bytes, key, batchSize, csvOptions(opts).delimiter);
    case "parquet":
      return (async function* () {
        const chunks: Uint8Array[] = [];
        for await (const chunk of bytes) chunks.push(chunk);
        yield* decodeParquetFile(bytesRangeReader(Buffer.concat(chunks)), key, batchSize);
      })();
  }
}

/** Parquet decode from a byte-range reader (S3 ranged GETs) without loading the whole file. */
export function decodeParquet(
  reader: RangeReader,
  options: { key?: string; batchSize?: number } = {},
): AsyncIterable<JsonObject[]> {
  return decodeParquetFile(reader, options.key, resolveBatchSize(options.batchSize));
}
