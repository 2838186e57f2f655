/**
 * The one mapping from a stream's JSON Schema to a BigQuery table schema, and the matching
 * record encoder. Rules (documented in the README, tested in schema-mapping.test.ts):
 *
 * | JSON Schema (nullable types ignore `"null"`)                           | BigQuery                   |
 * | ---------------------------------------------------------------------- | -------------------------- |
 * | `integer` marked as Unix seconds (`format: "unix-time"`, or a          | TIMESTAMP (value × 1000 →  |
 * | description mentioning "unix timestamp"/"unix seconds"); also          | ISO string; ISO strings    |
 * | `integer`+`string` so marked (Intercom `date` custom attributes)       | kept)                      |
 * | `string` with `format: "date-time"` / `"date"`                         | TIMESTAMP / DATE           |
 * | `string`, `integer`, `number`, `boolean`                               | STRING, INTEGER, FLOAT, BOOLEAN |
 * | `object` with `properties`                                             | RECORD (fields recursively)|
 * | `array` of a scalar or of an object with `properties`                  | REPEATED (nulls dropped)   |
 * | anything else (`object` without properties, arrays of unknown items,   | JSON                       |
 * | several non-null types, no type)                                       |                            |
 *
 * Every column is NULLABLE (or REPEATED). Names: characters outside `[A-Za-z0-9_]` become `_`
 * (runs collapsed, trimmed), a leading digit gets `_`, reserved prefixes get `x`, at most 300
 * characters, duplicates (ignoring case) get `_2`, `_3`…; a renamed column's description holds the
 * original key. A schema-less stream's columns are inferred from the first batch's values.
 * The encoder never emits a value BigQuery would reject: a key without a column, or a value that
 * does not fit its column's type, lands in the `_extra` JSON column under its dotted path.
 */
import type { JsonObject, JsonSchema } from "@sluice/core";

export type BigQueryType =
  | "STRING"
  | "INTEGER"
  | "FLOAT"
  | "BOOLEAN"
  | "TIMESTAMP"
  | "DATE"
  | "JSON"
  | "RECORD";

export interface ColumnPlan {
  /** Property name in the record. */
  key: string;
  /** BigQuery column name. */
  name: string;
  type: BigQueryType;
  mode: "NULLABLE" | "REPEATED";
  fields?: ColumnPlan[];
  description?: string;
}

/** A BigQuery `TableFieldSchema`. */
export interface BigQueryField {
  name: string;
  type: string;
  mode: "NULLABLE" | "REPEATED" | "REQUIRED";
  fields?: BigQueryField[];
  description?: string;
}

/** Column holding keys without a column and values that did not fit their column (JSON). */
export const EXTRA_COLUMN = "_extra";

const RESERVED = [
  "_TABLE_",
  "_FILE_",
  "_PARTITION",
  "_ROW_TIMESTAMP",
  "__ROOT__",
  "_COLIDENTIFIER",
  "_CHANGE_",
];
const UNIX = /unix[ -]?(timestamp|seconds|time)/i;

/** A valid, unique BigQuery column name for `key` (`taken` holds lower-cased names in use). */
export function columnName(key: string, taken: Set<string>): string {
  let name = key
    .replace(/[^A-Za-z0-9_]+/g, " ")
    .trim()
    .replace(/ +/g, "_");
  if (name === "") name = "_col";
  if (/^\d/.test(name)) name = `_${name}`;
  if (RESERVED.some((p) => name.toUpperCase().startsWith(p))) name = `x${name}`;
  name = name.slice(0, 290);
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${name}_${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const nonNullTypes = (s: JsonSchema): string[] => {
  const t = s.type;
  const list = Array.isArray(t) ? t : typeof t === "string" ? [t] : [];
  return list.filter((x): x is string => typeof x === "string" && x !== "null");
};
const isUnixTime = (s: JsonSchema): boolean =>
  s.format === "unix-time" || (typeof s.description === "string" && UNIX.test(s.description));
const hasProperties = (s: JsonSchema): boolean =>
  typeof s.properties === "object" && s.properties !== null && Object.keys(s.properties).length > 0;

function scalarType(s: JsonSchema): { type: BigQueryType; fields?: JsonSchema } {
  const types = nonNullTypes(s);
  if (isUnixTime(s) && types.includes("integer") && types.every((t) => t === "integer" || t === "string"))
    return { type: "TIMESTAMP" };
  if (types.length !== 1) return { type: "JSON" };
  switch (types[0]) {
    case "string":
      return { type: s.format === "date-time" ? "TIMESTAMP" : s.format === "date" ? "DATE" : "STRING" };
    case "integer":
      return { type: "INTEGER" };
    case "number":
      return { type: "FLOAT" };
    case "boolean":
      return { type: "BOOLEAN" };
    case "object":
      return hasProperties(s) ? { type: "RECORD", fields: s } : { type: "JSON" };
    default:
      return { type: "JSON" };
  }
}

function describe(key: string, name: string, s: JsonSchema): string | undefined {
  const own = typeof s.description === "string" ? s.description : typeof s.title === "string" ? s.title : "";
  const text = name === key ? own : `${JSON.stringify(key)}${own ? `: ${own}` : ""}`;
  return text ? text.slice(0, 1024) : undefined;
}

function columnFor(key: string, s: JsonSchema, taken: Set<string>): ColumnPlan {
  const name = columnName(key, taken);
  const description = describe(key, name, s);
  const base = { key, name, ...(description ? { description } : {}) };
  const types = nonNullTypes(s);
  if (types.length === 1 && types[0] === "array") {
    const items = (s.items ?? {}) as JsonSchema;
    const inner = scalarType(items);
    if (inner.type === "JSON") return { ...base, type: "JSON", mode: "NULLABLE" };
    return {
      ...base,
      type: inner.type,
      mode: "REPEATED",
      ...(inner.fields ? { fields: columnsOf(inner.fields) } : {}),
    };
  }
  const { type, fields } = scalarType(s);
  return { ...base, type, mode: "NULLABLE", ...(fields ? { fields: columnsOf(fields) } : {}) };
}

function columnsOf(schema: JsonSchema, reserved: string[] = []): ColumnPlan[] {
  const taken = new Set(reserved.map((r) => r.toLowerCase()));
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([key, s]) => columnFor(key, s ?? {}, taken));
}

/**
 * The table's columns for a record JSON Schema (top-level object). `_extra` is not included:
 * {@link bigQueryFields} appends it.
 */
export function toBigQueryColumns(schema: JsonSchema): ColumnPlan[] {
  return columnsOf(schema, [EXTRA_COLUMN]);
}

/** Columns inferred from sample records, for streams without a JSON Schema. */
export function inferColumns(records: JsonObject[]): ColumnPlan[] {
  const kinds = new Map<string, Set<string>>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined) continue;
      const kind =
        v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
      if (!kinds.has(k)) kinds.set(k, new Set());
      kinds.get(k)!.add(kind === "object" || kind === "array" ? "json" : kind);
    }
  }
  const properties: Record<string, JsonSchema> = {};
  for (const [k, set] of kinds) {
    set.delete("null");
    if (set.size === 2 && set.has("integer") && set.has("number")) set.delete("integer");
    const only = set.size === 1 ? [...set][0] : undefined;
    properties[k] = only && only !== "json" ? { type: only } : {};
  }
  return toBigQueryColumns({ type: "object", properties });
}

/** BigQuery `TableFieldSchema`s of the columns, plus the `_extra` JSON column. */
export function bigQueryFields(columns: ColumnPlan[], extras: BigQueryField[] = []): BigQueryField[] {
  const field = (c: ColumnPlan): BigQueryField => ({
    name: c.name,
    type: c.type,
    mode: c.mode,
    ...(c.fields ? { fields: c.fields.map(field) } : {}),
    ...(c.description ? { description: c.description } : {}),
  });
  return [
    ...columns.map(field),
    {
      name: EXTRA_COLUMN,
      type: "JSON",
      mode: "NULLABLE",
      description: "keys without a column and values that did not fit their column, by dotted path",
    },
    ...extras,
  ];
}
