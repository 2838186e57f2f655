import { parseOptions } from "@sluice/core";
import { z } from "zod";
import type { DecodeOptions, FormatOptions } from "./types.js";

const csvSchema = z
  .object({
    columns: z.array(z.string().min(1)).min(1).optional(),
    unknownKeys: z.enum(["error", "report", "ignore"]).optional(),
    delimiter: z.string().min(1).max(4).optional(),
  })
  .strict()
  .optional();

const parquetSchema = z
  .object({
    schema: z.record(z.string(), z.unknown()).optional(),
    rowGroupSize: z.number().int().positive().optional(),
    compression: z.enum(["snappy", "gzip", "zstd", "none"]).optional(),
  })
  .strict()
  .optional();

/** zod schema of FormatOptions, for packages that embed format options in their own. */
export const formatOptionsSchema = z
  .object({
    format: z.enum(["json", "jsonl", "csv", "parquet"]),
    gzip: z.boolean().optional(),
    csv: csvSchema,
    parquet: parquetSchema,
  })
  .strict();

const decodeSchema = formatOptionsSchema.extend({
  key: z.string().optional(),
  batchSize: z.number().int().positive().optional(),
});

export interface ResolvedCsvOptions {
  columns: string[] | undefined;
  unknownKeys: "error" | "report" | "ignore";
  delimiter: string;
}

export function resolveFormatOptions(input: unknown): FormatOptions {
  return parseOptions(formatOptionsSchema, input, "formats options") as FormatOptions;
}

export function resolveDecodeOptions(input: unknown): DecodeOptions {
  return parseOptions(decodeSchema, input, "formats decode options") as DecodeOptions;
}

export function resolveBatchSize(input: unknown): number {
  return parseOptions(z.number().int().positive().optional(), input, "formats batchSize") ?? 1000;
}

export function csvOptions(options: FormatOptions): ResolvedCsvOptions {
  return {
    columns: options.csv?.columns,
    unknownKeys: options.csv?.unknownKeys ?? "report",
    delimiter: options.csv?.delimiter ?? ",",
  };
}
