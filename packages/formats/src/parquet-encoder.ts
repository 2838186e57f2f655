import { gzipSync } from "node:zlib";
import type { JsonObject, JsonSchema, JsonValue } from "@sluice/core";
import { DataError } from "@sluice/core";
import { ByteWriter, type ColumnSource, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import {
  type ColumnKind,
  columnsFromJsonSchema,
  inferColumns,
  JSON_COLUMNS_KEY,
  type ParquetColumn,
  PLACEHOLDER_KEY,
} from "./parquet-schema.js";
import type { RawEncoder } from "./text-encoders.js";
import { zstdCompressor } from "./zstd.js";

export interface ParquetEncoderOptions {
  schema?: JsonSchema | undefined;
  rowGroupSize?: number | undefined;
  compression?: "snappy" | "gzip" | "zstd" | "none" | undefined;
}

const FLUSH_BYTES = 1 << 20;
/** Placeholder column of a Parquet file that would otherwise have no columns. */
const EMPTY_COLUMN = "_empty";

/**
 * A hyparquet-writer `Writer` that hands bytes out in ~1 MB chunks instead of growing one
 * buffer for the whole file (the same technique as hyparquet-writer's own fileWriter).
 */
function chunkWriter(): { writer: ByteWriter; take(): Uint8Array[] } {
  const writer = new ByteWriter(FLUSH_BYTES + 65_536);
  let chunks: Uint8Array[] = [];
  const drain = (): void => {
    if (writer.index === 0) return;
    chunks.push(new Uint8Array(writer.buffer.slice(0, writer.index)));
    writer.index = 0;
  };
  const grow = (size: number): void => {
    if (writer.index + size > writer.buffer.byteLength) {
      const next = new ArrayBuffer(Math.max(writer.buffer.byteLength * 2, writer.index + size));
      new Uint8Array(next).set(new Uint8Array(writer.buffer, 0, writer.index));
      writer.buffer = next;
      writer.view = new DataView(next);
    }
  };
  writer.ensure = (size: number) => {
    if (writer.index > FLUSH_BYTES) drain();
    grow(size);
  };
  Object.assign(writer, { flush: drain });
  writer.finish = () => drain();
  return {
    writer,
    take() {
      drain();
      const out = chunks;
      chunks = [];
      return out;
    },
  };
}

function schemaElement(column: ParquetColumn): SchemaElement {
  const base = { name: column.name, repetition_type: "OPTIONAL" as const };
  switch (column.kind) {
    case "integer":
      return { ...base, type: "INT64" };
    case "number":
      return { ...base, type: "DOUBLE" };
    case "boolean":
      return { ...base, type: "BOOLEAN" };
    case "timestamp":
      return { ...base, type: "INT64", converted_type: "TIMESTAMP_MILLIS" };
    case "date":
      return { ...base, type: "INT32", converted_type: "DATE" };
    default:
      return { ...base, type: "BYTE_ARRAY", converted_type: "UTF8" };
  }
}

type Cell = string | number | bigint | boolean | null;

function cell(kind: ColumnKind, value: JsonValue | undefined, fail: (expected: string) => never): Cell {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "json":
      return JSON.stringify(value);
    case "string":
      return typeof value === "string" ? value : fail("string");
    case "boolean":
      return typeof value === "boolean" ? value : fail("boolean");
    case "number":
      return typeof value === "number" ? value : fail("number");
    case "integer":
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
      // ids beyond 2^53 travel as decimal strings (a JSON number would lose precision)
      return typeof value === "string" && INT64_TEXT.test(value) && fitsInt64(BigInt(value))
        ? BigInt(value)
        : fail("integer");
    case "timestamp": {
      const ms = typeof value === "string" && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
      return Number.isFinite(ms) ? BigInt(ms) : fail("an ISO-8601 date-time string");
    }
    case "date": {
      const ms = typeof value === "string" && ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
      return Number.isFinite(ms) ? ms / DAY_MS : fail('a "YYYY-MM-DD" date string');
    }
  }
}

const INT64_TEXT = /^-?\d{1,19}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const fitsInt64 = (v: bigint): boolean => v >= -(2n ** 63n) && v < 2n ** 63n;

/**
 * Parquet encoder on hyparquet-writer's incremental ParquetWriter. Records are buffered up to
 * `rowGroupSize` rows, then written as one row group and handed out as byte chunks, so memory
 * holds at most one row group. Columns come from `schema` (JSON Schema) or are inferred from
 * the first row group; keys outside the columns are counted in `unknownKeys` and dropped.
 */
export function parquetEncoder(
  options: ParquetEncoderOptions,
  unknownKeys: Record<string, number>,
): RawEncoder {
  const rowGroupSize = options.rowGroupSize ?? 10_000;
  const compression = options.compression ?? "snappy";
  let columns: ParquetColumn[] | undefined = options.schema
    ? columnsFromJsonSchema(options.schema)
    : undefined;
  let known = new Set(columns?.map((c) => c.name));
  let pq: ParquetWriter | undefined;
  const out = chunkWriter();
  let buffer: JsonObject[] = [];
  let bufferStart = 0;

  const open = async (): Promise<ParquetWriter> => {
    if (pq) return pq;
    if (!columns) {
      columns = inferColumns(buffer);
      known = new Set(columns.map((c) => c.name));
    }
    // Readers (DuckDB, Arrow) reject a file without columns: zero records and no schema (or
    // records without keys) get one all-null placeholder column instead.
    if (columns.length === 0) columns = [{ name: EMPTY_COLUMN, kind: "string" }];
    const codec =
      compression === "none"
        ? "UNCOMPRESSED"
        : compression === "gzip"
          ? "GZIP"
          : compression === "zstd"
            ? "ZSTD"
            : "SNAPPY";
    const compressors =
      compression === "gzip"
        ? { GZIP: (input: Uint8Array) => gzipSync(input) }
        : compression === "zstd"
          ? { ZSTD: await zstdCompressor() }
          : {};
    const jsonColumns = columns.filter((c) => c.kind === "json").map((c) => c.name);
    pq = new ParquetWriter({
      writer: out.writer,
      schema: [{ name: "root", num_children: columns.length }, ...columns.map(schemaElement)],
      codec,
      compressors,
      kvMetadata: [
        { key: JSON_COLUMNS_KEY, value: JSON.stringify(jsonColumns) },
        ...(columns[0]?.name === EMPTY_COLUMN && columns.length === 1
          ? [{ key: PLACEHOLDER_KEY, value: EMPTY_COLUMN }]
          : []),
      ],
      createdBy: "sluice @sluice/formats (hyparquet-writer)",
    });
    return pq;
  };

  const flush = async (): Promise<Uint8Array[]> => {
    const writer = await open();
    if (buffer.length > 0) {
      const cols = columns ?? [];
      const data: Cell[][] = cols.map(() => new Array(buffer.length));
      for (let r = 0; r < buffer.length; r++) {
        const record = buffer[r] as JsonObject;
        for (let c = 0; c < cols.length; c++) {
          const column = cols[c] as ParquetColumn;
          (data[c] as Cell[])[r] = cell(column.kind, record[column.name], (expected) => {
            throw new DataError(
              `Parquet column "${column.name}" expects ${expected}, got ${JSON.stringify(record[column.name])?.slice(0, 80)}; pass parquet.schema to type it`,
              { position: bufferStart + r, field: column.name },
            );
          });
        }
        for (const key of Object.keys(record)) {
          if (!known.has(key) && record[key] !== undefined) unknownKeys[key] = (unknownKeys[key] ?? 0) + 1;
        }
      }
      const columnData: ColumnSource[] = cols.map((column, c) => ({
        name: column.name,
        data: data[c] as ColumnSource["data"],
      }));
      await writer.write({ columnData, rowGroupSize: buffer.length });
      bufferStart += buffer.length;
      buffer = [];
    }
    return out.take();
  };

  return {
    async encode(records) {
      const chunks: Uint8Array[] = [];
      let i = 0;
      while (i < records.length) {
        const take = Math.min(rowGroupSize - buffer.length, records.length - i);
        for (let k = 0; k < take; k++) buffer.push(records[i + k] as JsonObject);
        i += take;
        if (buffer.length >= rowGroupSize) chunks.push(...(await flush()));
      }
      return chunks;
    },
    async finish() {
      const chunks = await flush();
      await (pq as ParquetWriter).finish();
      chunks.push(...out.take());
      return chunks;
    },
  };
}
