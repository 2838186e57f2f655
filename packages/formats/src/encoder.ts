import type { JsonObject } from "@sluice/core";
import { SluiceError } from "@sluice/core";
import { GzipStage } from "./gzip.js";
import { extensionFor } from "./naming.js";
import { csvOptions, resolveFormatOptions } from "./options.js";
import { parquetEncoder } from "./parquet-encoder.js";
import { csvEncoder, jsonArrayEncoder, jsonLinesEncoder, type RawEncoder } from "./text-encoders.js";
import type { EncoderStats, FormatName, FormatOptions, RecordEncoder } from "./types.js";

const CONTENT_TYPES: Record<FormatName, string> = {
  json: "application/json",
  jsonl: "application/x-ndjson",
  csv: "text/csv",
  parquet: "application/vnd.apache.parquet",
};

/**
 * Creates an incremental encoder. Feed batches with `encode` and upload the chunks it returns;
 * `finish` returns the trailing bytes. Memory is bounded by one batch (one row group for Parquet).
 * Options are validated (ConfigError lists every bad field). After a failure or `finish` the
 * encoder rejects further calls.
 */
export function createEncoder(input: FormatOptions): RecordEncoder {
  const options = resolveFormatOptions(input);
  const stats: EncoderStats = { records: 0, bytesOut: 0, unknownKeys: {} };
  const raw = rawEncoder(options, stats.unknownKeys);
  const gzip = options.gzip === true && options.format !== "parquet" ? new GzipStage() : undefined;
  let state: "open" | "finished" | "failed" = "open";

  const count = (chunks: Uint8Array[]): Uint8Array[] => {
    for (const c of chunks) stats.bytesOut += c.byteLength;
    return chunks;
  };
  // Calls are serialised, so overlapping encode() calls still produce bytes in call order.
  let tail: Promise<unknown> = Promise.resolve();
  const guard = (run: () => Promise<Uint8Array[]>): Promise<Uint8Array[]> => {
    const next = tail.then(async () => {
      if (state !== "open") throw new SluiceError("encoder_closed", `Encoder is ${state}; create a new one`);
      try {
        return count(await run());
      } catch (error) {
        state = "failed";
        throw error;
      }
    });
    tail = next.catch(() => {});
    return next;
  };

  return {
    contentType: CONTENT_TYPES[options.format],
    ...(gzip ? { contentEncoding: "gzip" } : {}),
    extension: extensionFor(options),
    stats,
    encode(records: JsonObject[]) {
      return guard(async () => {
        const chunks = await raw.encode(records, stats.records);
        stats.records += records.length;
        return gzip ? gzip.push(chunks) : chunks;
      });
    },
    finish() {
      return guard(async () => {
        const chunks = await raw.finish();
        const out = gzip ? await gzip.end(chunks) : chunks;
        state = "finished";
        return out;
      });
    },
  };
}

function rawEncoder(options: FormatOptions, unknownKeys: Record<string, number>): RawEncoder {
  switch (options.format) {
    case "json":
      return jsonArrayEncoder();
    case "jsonl":
      return jsonLinesEncoder();
    case "csv":
      return csvEncoder(csvOptions(options), unknownKeys);
    case "parquet":
      return parquetEncoder(options.parquet ?? {}, unknownKeys);
  }
}
