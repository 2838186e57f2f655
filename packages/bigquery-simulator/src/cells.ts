/** Stored rows → the `{f:[{v}]}` cells of tabledata.list and query results. */
import type { FieldSchema, Stored, StoredRow } from "./schema.js";

/** How TIMESTAMP cells are rendered (the request's formatOptions). */
export type TimestampFormat = "int64" | "iso" | "float";

export interface Cell {
  v: CellValue;
}
export type CellValue = string | null | { f: Cell[] } | Cell[];

/** The format the request asked for: `formatOptions.useInt64Timestamp` / `timestampOutputFormat`. */
export function timestampFormatOf(
  params: URLSearchParams | Record<string, unknown> | undefined,
): TimestampFormat {
  const get = (k: string): unknown =>
    params instanceof URLSearchParams ? params.get(`formatOptions.${k}`) : (params?.[k] ?? undefined);
  const out = String(get("timestampOutputFormat") ?? "");
  if (out === "ISO8601_STRING") return "iso";
  if (out === "INT64" || String(get("useInt64Timestamp")) === "true") return "int64";
  return "float";
}

function timestampCell(micros: bigint, format: TimestampFormat): string {
  if (format === "int64") return micros.toString();
  if (format === "iso") {
    const ms = Number(micros / 1000n);
    const frac = String(micros % 1_000_000n).padStart(6, "0");
    return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  }
  return (Number(micros) / 1e6).toExponential().replace("e+", "E");
}

function scalarCell(type: string, value: Stored, format: TimestampFormat): string | null {
  if (value === null) return null;
  if (type === "TIMESTAMP") return timestampCell(value as bigint, format);
  if (type === "JSON") return JSON.stringify(value);
  return String(value);
}

function fieldCell(f: FieldSchema, value: Stored, format: TimestampFormat): CellValue {
  const type = f.type.toUpperCase();
  const one = (v: Stored): CellValue =>
    type === "RECORD" || type === "STRUCT"
      ? v === null
        ? null
        : rowCells(f.fields ?? [], v as StoredRow, format)
      : scalarCell(type, v, format);
  if (f.mode === "REPEATED") return ((value as Stored[] | null) ?? []).map((v) => ({ v: one(v) }));
  return one(value);
}

export function rowCells(fields: FieldSchema[], row: StoredRow, format: TimestampFormat): { f: Cell[] } {
  return { f: fields.map((f) => ({ v: fieldCell(f, row[f.name] ?? null, format) })) };
}
