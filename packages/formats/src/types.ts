import type { JsonObject, JsonSchema } from "@sluice/core";

export type FormatName = "json" | "jsonl" | "csv" | "parquet";

export interface FormatOptions {
  format: FormatName;
  /** Default false. Parquet ignores gzip (use `parquet.compression`). */
  gzip?: boolean;
  /** CSV options. `unknownKeys` defaults to "report". */
  csv?: { columns?: string[]; unknownKeys?: "error" | "report" | "ignore"; delimiter?: string };
  parquet?: { schema?: JsonSchema; rowGroupSize?: number; compression?: "snappy" | "gzip" | "zstd" | "none" };
}

export interface EncoderStats {
  records: number;
  bytesOut: number;
  unknownKeys: Record<string, number>;
}

/** Incremental encoder: feed record batches, collect encoded byte chunks; memory bounded by one batch/row group. */
export interface RecordEncoder {
  /** "application/json", "application/x-ndjson", "text/csv", "application/vnd.apache.parquet" */
  readonly contentType: string;
  /** "gzip" when gzip */
  readonly contentEncoding?: string;
  /** "json", "jsonl", "csv", "parquet", plus ".gz" when gzip: "jsonl.gz" */
  readonly extension: string;
  /** Chunks ready to upload now (may be []). */
  encode(records: JsonObject[]): Promise<Uint8Array[]>;
  /** Trailing bytes (closing "]", parquet footer, gzip trailer); the encoder is unusable after. */
  finish(): Promise<Uint8Array[]>;
  readonly stats: EncoderStats;
}

export interface DecodeOptions extends FormatOptions {
  /** Object key or file name, used in DataError locations. */
  key?: string;
  /** Records per yielded batch; default 1000. */
  batchSize?: number;
}

/** Random access to a byte range (S3 ranged GETs), for Parquet footers. */
export interface RangeReader {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}
