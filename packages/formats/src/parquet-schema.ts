import type { JsonObject, JsonSchema, JsonValue } from "@sluice/core";
import { ConfigError } from "@sluice/core";

/**
 * How a record field is stored in Parquet. Every column is OPTIONAL (nullable).
 * - string  → BYTE_ARRAY (UTF8)
 * - integer → INT64
 * - number  → DOUBLE
 * - boolean → BOOLEAN
 * - json    → BYTE_ARRAY (UTF8) holding JSON text; used for objects, arrays, mixed-type unions
 *             and columns whose type is unknown (only nulls seen). Decoding parses it back.
 * - timestamp → INT64 TIMESTAMP_MILLIS (UTC), from a JSON Schema `string` with `format: "date-time"`;
 *             values are ISO-8601 strings
 * - date    → INT32 DATE, from a JSON Schema `string` with `format: "date"`; values are "YYYY-MM-DD"
 *
 * Only a schema declares timestamp and date columns; inference never produces them.
 */
export type ColumnKind = "string" | "integer" | "number" | "boolean" | "json" | "timestamp" | "date";

export interface ParquetColumn {
  name: string;
  kind: ColumnKind;
}

/** Key-value metadata key listing the columns that hold JSON text (a JSON array of names). */
export const JSON_COLUMNS_KEY = "sluice.json_columns";
/** Key-value metadata key naming a placeholder column (files written with no columns), dropped on decode. */
export const PLACEHOLDER_KEY = "sluice.placeholder_column";

function typesOf(schema: unknown): Set<string> {
  const types = new Set<string>();
  if (!schema || typeof schema !== "object") return types;
  const s = schema as {
    type?: unknown;
    anyOf?: unknown;
    oneOf?: unknown;
    properties?: unknown;
    items?: unknown;
  };
  if (typeof s.type === "string") types.add(s.type);
  else if (Array.isArray(s.type)) for (const t of s.type) if (typeof t === "string") types.add(t);
  for (const alternatives of [s.anyOf, s.oneOf]) {
    if (Array.isArray(alternatives))
      for (const alt of alternatives) for (const t of typesOf(alt)) types.add(t);
  }
  if (types.size === 0 && s.properties) types.add("object");
  if (types.size === 0 && s.items) types.add("array");
  return types;
}

/** Column kind for one JSON Schema property. */
export function kindFromJsonSchema(property: unknown): ColumnKind {
  const types = typesOf(property);
  types.delete("null");
  if (types.size === 1) {
    const [only] = types;
    const format = (property as { format?: unknown } | null)?.format;
    if (only === "string" && format === "date-time") return "timestamp";
    if (only === "string" && format === "date") return "date";
    if (only === "string" || only === "integer" || only === "number" || only === "boolean") return only;
    return "json";
  }
  if (types.size === 2 && types.has("integer") && types.has("number")) return "number";
  return "json";
}

/** Columns from a JSON Schema object: one per property, in property order. */
export function columnsFromJsonSchema(schema: JsonSchema): ParquetColumn[] {
  const properties = schema.properties;
  if (!properties || typeof properties !== "object" || Array.isArray(properties)) {
    throw new ConfigError("formats options", [
      { field: "parquet.schema.properties", message: "a JSON Schema object with `properties` is required" },
    ]);
  }
  return Object.entries(properties as Record<string, unknown>).map(([name, prop]) => ({
    name,
    kind: kindFromJsonSchema(prop),
  }));
}

function kindOfValue(value: JsonValue): ColumnKind {
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return Number.isSafeInteger(value) ? "integer" : "number";
    default:
      return "json";
  }
}

/** Infers columns from records: keys in first-seen order, kind from the non-null values seen. */
export function inferColumns(records: JsonObject[]): ParquetColumn[] {
  const kinds = new Map<string, ColumnKind | undefined>();
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (value === undefined) continue;
      const seen = kinds.get(key);
      if (value === null) {
        if (!kinds.has(key)) kinds.set(key, undefined);
        continue;
      }
      const kind = kindOfValue(value);
      if (seen === undefined) kinds.set(key, kind);
      else if (seen !== kind) {
        const numeric =
          (seen === "integer" || seen === "number") && (kind === "integer" || kind === "number");
        kinds.set(key, numeric ? "number" : "json");
      }
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, kind: kind ?? "json" }));
}
