import { gunzipSync } from "node:zlib";
import type { JsonObject, JsonValue } from "@sluice/core";
import { DataError } from "@sluice/core";
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { JSON_COLUMNS_KEY, PLACEHOLDER_KEY } from "./parquet-schema.js";
import type { RangeReader } from "./types.js";
import { zstdDecompressor } from "./zstd.js";

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  // Buffer#slice shares memory, so copy explicitly (pooled Buffers live inside a larger ArrayBuffer).
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A RangeReader over bytes already in memory. */
export function bytesRangeReader(bytes: Uint8Array): RangeReader {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** Plain JSON from what hyparquet returns: bigint → number (string beyond 2^53), Date → ISO string, bytes → base64. */
function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case "object":
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
      if (Array.isArray(value)) return value.map(toJson);
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(v)]),
      );
    default:
      return null;
  }
}

function jsonColumns(metadata: FileMetaData): Set<string> {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === JSON_COLUMNS_KEY);
  if (!entry?.value) return new Set();
  try {
    const names: unknown = JSON.parse(entry.value);
    return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : []);
  } catch {
    return new Set();
  }
}

/**
 * Parquet decode from a byte-range reader: reads the footer, then one row group at a time
 * (only that row group's column chunks are fetched), yielding batches of `batchSize`.
 * Columns written as JSON text by this package are parsed back into objects/arrays.
 */
export async function* decodeParquetFile(
  reader: RangeReader,
  key: string | undefined,
  batchSize: number,
): AsyncGenerator<JsonObject[]> {
  const file: AsyncBuffer = {
    byteLength: reader.size,
    slice: async (start, end) => toArrayBuffer(await reader.read(start, (end ?? reader.size) - start)),
  };
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DataError(`Invalid Parquet file: ${(error as Error).message}`, { key }, { cause: error });
  }
  const json = jsonColumns(metadata);
  const placeholder = metadata.key_value_metadata?.find((kv) => kv.key === PLACEHOLDER_KEY)?.value;
  const codecs = {
    ...compressors,
    GZIP: (input: Uint8Array) => gunzipSync(input),
    ZSTD: await zstdDecompressor(),
  };
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    if (rowEnd === rowStart) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors: codecs });
    } catch (error) {
      throw new DataError(
        `Invalid Parquet data: ${(error as Error).message}`,
        { key, position: rowStart },
        { cause: error },
      );
    }
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch: JsonObject[] = [];
      const end = Math.min(i + batchSize, rows.length);
      for (let r = i; r < end; r++) {
        const row = rows[r] as Record<string, unknown>;
        const record: JsonObject = {};
        for (const [name, value] of Object.entries(row)) {
          if (name === placeholder) continue;
          if (json.has(name) && typeof value === "string") {
            try {
              record[name] = JSON.parse(value) as JsonValue;
            } catch (error) {
              throw new DataError(
                `Parquet JSON column "${name}" holds invalid JSON`,
                { key, position: rowStart + r, field: name },
                { cause: error },
              );
            }
          } else {
            record[name] = toJson(value);
          }
        }
        batch.push(record);
      }
      yield batch;
    }
    rowStart = rowEnd;
  }
}
