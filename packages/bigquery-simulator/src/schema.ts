/**
 * Table schemas and the row conversion a load job applies: every NDJSON value is checked against
 * its field like BigQuery does (type, mode, unknown fields) and stored in a canonical form:
 * INTEGER as a decimal string, FLOAT as a number, BOOLEAN as a boolean, TIMESTAMP as bigint
 * microseconds, JSON as the parsed value, RECORD as an object, REPEATED as an array.
 */

export interface FieldSchema {
  name: string;
  type: string;
  mode?: "NULLABLE" | "REQUIRED" | "REPEATED" | undefined;
  fields?: FieldSchema[] | undefined;
  description?: string | undefined;
}

export type Stored = string | number | boolean | bigint | null | Stored[] | { [k: string]: Stored };
export type StoredRow = { [k: string]: Stored };

/** A conversion failure: which field, and BigQuery's wording. */
export class RowError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const FORBIDDEN_PREFIXES = [
  "_TABLE_",
  "_FILE_",
  "_PARTITION",
  "_ROW_TIMESTAMP",
  "__ROOT__",
  "_COLIDENTIFIER",
];
const TYPES = new Set([
  "STRING",
  "BYTES",
  "INTEGER",
  "INT64",
  "FLOAT",
  "FLOAT64",
  "NUMERIC",
  "BIGNUMERIC",
  "BOOLEAN",
  "BOOL",
  "TIMESTAMP",
  "DATE",
  "TIME",
  "DATETIME",
  "GEOGRAPHY",
  "JSON",
  "RECORD",
  "STRUCT",
]);

/** Checks names (charset, prefixes, case-insensitive uniqueness), types and nesting. Returns a message or undefined. */
export function schemaProblem(fields: FieldSchema[], path = ""): string | undefined {
  const seen = new Set<string>();
  for (const f of fields) {
    const full = path ? `${path}.${f.name}` : f.name;
    if (typeof f.name !== "string" || !NAME.test(f.name)) return `Invalid field name "${f.name}".`;
    const upper = f.name.toUpperCase();
    if (FORBIDDEN_PREFIXES.some((p) => upper.startsWith(p)))
      return `Invalid field name "${f.name}". Fields must not use a reserved prefix.`;
    if (seen.has(f.name.toLowerCase())) return `Field ${full} already exists in schema`;
    seen.add(f.name.toLowerCase());
    const type = String(f.type ?? "").toUpperCase();
    if (!TYPES.has(type)) return `Invalid value for type: ${f.type} is not a valid value`;
    const record = type === "RECORD" || type === "STRUCT";
    if (record && !(f.fields && f.fields.length > 0)) return `Field ${full} is type RECORD but has no schema`;
    if (record) {
      const inner = schemaProblem(f.fields ?? [], full);
      if (inner) return inner;
    }
  }
  return undefined;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const DATE_RE = /^\d{4}-\d{1,2}-\d{1,2}$/;
const TIME_RE = /^\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/;
const DATETIME_RE = /^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/;
const TIMESTAMP_RE =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;
const TRUE_WORDS = new Set(["true", "1", "t", "yes", "y"]);
const FALSE_WORDS = new Set(["false", "0", "f", "no", "n"]);

function describe(value: unknown): string {
  if (typeof value === "string") return `string_value: "${value}"`;
  if (typeof value === "number") return `${Number.isInteger(value) ? "int" : "double"}_value: ${value}`;
  if (typeof value === "boolean") return `bool_value: ${value}`;
  return Array.isArray(value) ? "list_value" : "struct_value";
}

function cannot(field: string, value: unknown, type: string): RowError {
  const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
  return new RowError(
    field,
    `Could not convert value '${describe(value)}' to ${type.toLowerCase()}. Field: ${field}; Value: ${shown}`,
  );
}

/** Epoch microseconds of a TIMESTAMP string, or undefined if it is not one. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  let offsetMin = 0;
  if (zone && !/^(z|utc)$/i.test(zone)) {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
    offsetMin = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  const micros = BigInt(ms - offsetMin * 60_000) * 1000n + BigInt(frac.padEnd(6, "0") || "0");
  return micros;
}

function scalar(field: string, type: string, value: unknown): Stored {
  switch (type) {
    case "STRING":
    case "GEOGRAPHY":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw cannot(field, value, "string");
    case "INTEGER":
    case "INT64":
      if (typeof value === "number" && Number.isInteger(value)) return String(value);
      if (typeof value === "string" && INT_RE.test(value.trim())) return BigInt(value.trim()).toString();
      throw cannot(field, value, "integer");
    case "FLOAT":
    case "FLOAT64":
      if (typeof value === "number") return value;
      if (typeof value === "string" && FLOAT_RE.test(value.trim())) return Number(value);
      throw cannot(field, value, "double");
    case "NUMERIC":
    case "BIGNUMERIC":
      if (typeof value === "number" || (typeof value === "string" && FLOAT_RE.test(value.trim())))
        return String(value).trim();
      throw cannot(field, value, "numeric");
    case "BOOLEAN":
    case "BOOL":
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && TRUE_WORDS.has(value.toLowerCase())) return true;
      if (typeof value === "string" && FALSE_WORDS.has(value.toLowerCase())) return false;
      if (value === 1 || value === 0) return value === 1;
      throw cannot(field, value, "bool");
    case "TIMESTAMP": {
      if (typeof value === "number" && Number.isFinite(value)) return BigInt(Math.round(value * 1e6));
      const micros = typeof value === "string" ? parseTimestamp(value) : undefined;
      if (micros === undefined) throw cannot(field, value, "timestamp");
      return micros;
    }
    case "DATE":
      if (typeof value === "string" && DATE_RE.test(value)) return value;
      throw cannot(field, value, "date");
    case "TIME":
      if (typeof value === "string" && TIME_RE.test(value)) return value;
      throw cannot(field, value, "time");
    case "DATETIME":
      if (typeof value === "string" && DATETIME_RE.test(value)) return value.replace(" ", "T");
      throw cannot(field, value, "datetime");
    case "BYTES":
      if (typeof value === "string" && /^[A-Za-z0-9+/=\s_-]*$/.test(value)) return value;
      throw cannot(field, value, "bytes");
    case "JSON":
      // kept parsed (rendered as JSON text in cells): no second serialisation per row
      return value as Stored;
    default:
      throw new RowError(field, `Unsupported type ${type}. Field: ${field}`);
  }
}

function convertField(f: FieldSchema, value: unknown, path: string, ignoreUnknown: boolean): Stored {
  const full = path ? `${path}.${f.name}` : f.name;
  const type = f.type.toUpperCase();
  const record = type === "RECORD" || type === "STRUCT";
  const one = (v: unknown): Stored => {
    if (!record) return scalar(full, type, v);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw cannot(full, v, "record");
    return convertObject(f.fields ?? [], v as Record<string, unknown>, full, ignoreUnknown);
  };
  if (f.mode === "REPEATED") {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) throw new RowError(full, `Array specified for non-repeated field: ${full}.`);
    return value.map((v) => {
      if (v === null) throw new RowError(full, `Only optional fields can be set to NULL. Field: ${full}`);
      return one(v);
    });
  }
  if (value === null || value === undefined) {
    if (f.mode === "REQUIRED") throw new RowError(full, `Missing required field: ${full}.`);
    return null;
  }
  if (Array.isArray(value) && type !== "JSON")
    throw new RowError(full, `Array specified for non-repeated field: ${full}.`);
  return one(value);
}

/** Converts one parsed NDJSON object to a stored row; throws RowError like BigQuery would. */
export function convertObject(
  fields: FieldSchema[],
  input: Record<string, unknown>,
  path = "",
  ignoreUnknown = false,
): StoredRow {
  const byLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  if (!ignoreUnknown) {
    for (const key of Object.keys(input)) {
      if (!byLower.has(key.toLowerCase()) && input[key] !== undefined) {
        throw new RowError(path ? `${path}.${key}` : key, `No such field: ${path ? `${path}.${key}` : key}.`);
      }
    }
  }
  const row: StoredRow = {};
  const lowerInput = new Map(Object.entries(input).map(([k, v]) => [k.toLowerCase(), v]));
  for (const f of fields) {
    row[f.name] = convertField(f, lowerInput.get(f.name.toLowerCase()), path, ignoreUnknown);
  }
  return row;
}
