/** Records → NDJSON rows for the columns of schema-mapping.ts (values BigQuery accepts, misfits to `_extra`). */
import type { JsonObject, JsonValue } from "@sluice/core";
import { type ColumnPlan, EXTRA_COLUMN } from "./schema-mapping.js";

const MISFIT = Symbol("misfit");
type Out = JsonValue | typeof MISFIT;

function isoFromSeconds(n: number): string | typeof MISFIT {
  const ms = n * 1000;
  // BigQuery TIMESTAMP range: 0001-01-01 .. 9999-12-31
  if (!Number.isFinite(ms) || ms < -62135596800000 || ms > 253402300799999) return MISFIT;
  return new Date(ms).toISOString();
}

function scalar(c: ColumnPlan, v: JsonValue, path: string, extra: JsonObject): Out {
  switch (c.type) {
    case "STRING":
      return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : MISFIT;
    case "INTEGER":
      return (typeof v === "number" && Number.isInteger(v)) ||
        (typeof v === "string" && /^-?\d{1,19}$/.test(v))
        ? v
        : MISFIT;
    case "FLOAT":
      return typeof v === "number" ? v : MISFIT;
    case "BOOLEAN":
      return typeof v === "boolean" ? v : MISFIT;
    case "TIMESTAMP":
      if (typeof v === "number") return isoFromSeconds(v);
      if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return new Date(Date.parse(v)).toISOString();
      return MISFIT;
    case "DATE":
      return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : MISFIT;
    case "JSON":
      return v;
    case "RECORD":
      return typeof v === "object" && v !== null && !Array.isArray(v)
        ? encodeObject(c.fields ?? [], v, `${path}.`, extra)
        : MISFIT;
  }
}

function encodeValue(c: ColumnPlan, v: JsonValue, path: string, extra: JsonObject): Out {
  if (c.mode !== "REPEATED") return scalar(c, v, path, extra);
  if (!Array.isArray(v)) return MISFIT;
  const out: JsonValue[] = [];
  for (const item of v) {
    if (item === null) continue;
    const e = scalar(c, item, path, extra);
    if (e === MISFIT) return MISFIT;
    out.push(e);
  }
  return out;
}

function encodeObject(
  columns: ColumnPlan[],
  record: JsonObject,
  prefix: string,
  extra: JsonObject,
): JsonObject {
  const row: JsonObject = {};
  const known = new Set<string>();
  for (const c of columns) {
    known.add(c.key);
    const v = record[c.key];
    if (v === undefined || v === null) continue;
    const e = encodeValue(c, v, `${prefix}${c.key}`, extra);
    if (e === MISFIT) extra[`${prefix}${c.key}`] = v;
    else row[c.name] = e;
  }
  for (const [k, v] of Object.entries(record)) {
    if (!known.has(k) && v !== undefined) extra[`${prefix}${k}`] = v;
  }
  return row;
}

/**
 * One record as a BigQuery NDJSON row for `columns`. `omit` keys are left out (e.g. the
 * tombstone flag, written to its own column by the caller).
 */
export function encodeRecord(columns: ColumnPlan[], record: JsonObject, omit?: string): JsonObject {
  const extra: JsonObject = {};
  const source = omit && omit in record ? { ...record, [omit]: undefined } : record;
  const row = encodeObject(columns, source, "", extra);
  if (Object.keys(extra).length > 0) row[EXTRA_COLUMN] = extra;
  return row;
}
