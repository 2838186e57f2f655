/**
 * From a StreamDescriptor to the tables a stream lands in: a pure function of the descriptor.
 * `descriptor.layout` wins when given; otherwise the columns are derived from `primaryKey` and
 * the JSON schema (see README "Tables"). No source names live here.
 */
import { createHash } from "node:crypto";
import {
  type ChildTableLayout,
  ConfigError,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
  type LayoutColumn,
  type StreamDescriptor,
  type TableLayout,
} from "@sluice/core";
import { compilePath, isObject, type ValueGetter } from "./paths.js";

export type LogicalType = LayoutColumn["type"];
/** How a timestamp column's strings are written (the stream layout's `timestampFormat`). */
export type TimestampFormat = NonNullable<LayoutColumn["timestampFormat"]>;

export interface ColumnDef {
  name: string;
  type: LogicalType;
  maxLength?: number | undefined;
  timestampFormat?: TimestampFormat | undefined;
  nullable: boolean;
  key: boolean;
  /** Reads the value from the record (and, for a child row, its parent record). */
  get: ValueGetter;
  /** `_synced_at`: filled with the writer's load time, not from the record. */
  syncedAt?: boolean;
}

export interface TableDef {
  table: string;
  columns: ColumnDef[];
  /** Primary-key column names (may be empty: no key, no upsert). */
  key: string[];
}

/** A child table: rows from an array of each parent record, keyed by the parent's key. */
export interface ChildDef extends TableDef {
  /** The array of the parent record whose items become rows; undefined when absent. */
  items(parent: JsonObject): JsonValue[] | undefined;
  /** Child columns copied from the parent (`parentColumns`): they identify a parent's rows. */
  parentKey: string[];
  /** The same columns' values read from the parent record. */
  parentKeyOf(parent: JsonObject): unknown[];
}

export interface StreamTables {
  stream: string;
  main: TableDef;
  children: ChildDef[];
}

/** Identifier limit shared by both dialects (MySQL's 64); staging names need 19 more. */
export const MAX_TABLE_NAME = 45;
const MAX_COLUMN_NAME = 64;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A safe identifier: snake_case, at most `max` characters (hash-suffixed when cut). */
export function identifier(name: string, max: number): string {
  let clean = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .toLowerCase();
  if (!/^[a-z_]/.test(clean)) clean = `_${clean}`;
  if (clean.length <= max) return clean;
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 6);
  return `${clean.slice(0, max - 7)}_${hash}`;
}

/** The JSON schema types of a property, `null` removed. */
function schemaTypes(p: JsonSchema): string[] {
  const t = p.type;
  const list = Array.isArray(t) ? t : typeof t === "string" ? [t] : [];
  return (list as string[]).filter((x) => x !== "null");
}

/**
 * Timestamp annotations: `format: "unix-time"` (seconds), `"unix-time-ms"` (milliseconds) on an
 * integer/number, `"date-time"` on a string, or `x-sluice: { timestamp: "unix-seconds" | "unix-ms" | "iso" }`.
 */
function timestampOf(p: JsonSchema): TimestampFormat | undefined {
  const x = p["x-sluice"];
  if (isObject(x) && typeof x.timestamp === "string") return x.timestamp as TimestampFormat;
  switch (p.format) {
    case "unix-time":
    case "unix-seconds":
      return "unix-seconds";
    case "unix-time-ms":
    case "unix-ms":
      return "unix-ms";
    case "date-time":
      return "iso";
    default:
      return undefined;
  }
}

/** Logical column type of a JSON schema property (scalars typed, everything else JSON). */
export function logicalTypeOf(p: JsonSchema): Pick<ColumnDef, "type" | "maxLength" | "timestampFormat"> {
  const types = schemaTypes(p);
  const ts = timestampOf(p);
  if (ts) return { type: "timestamp", timestampFormat: ts };
  if (types.length !== 1) return { type: "json" };
  switch (types[0]) {
    case "integer":
      return { type: "integer" };
    case "number":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "string": {
      const max = typeof p.maxLength === "number" ? p.maxLength : undefined;
      return max !== undefined && max <= 1024 ? { type: "string", maxLength: max } : { type: "text" };
    }
    default:
      return { type: "json" };
  }
}

function rawColumn(omit: string[]): ColumnDef {
  const get: ValueGetter =
    omit.length === 0
      ? (r) => r
      : (r) => {
          if (!omit.some((k) => r[k] !== undefined)) return r;
          const copy: JsonObject = { ...r };
          for (const k of omit) delete copy[k];
          return copy;
        };
  return { name: "raw", type: "json", nullable: false, key: false, get };
}

const syncedAtColumn = (): ColumnDef => ({
  name: "_synced_at",
  type: "timestamp",
  timestampFormat: "unix-ms",
  nullable: true,
  key: false,
  get: () => null,
  syncedAt: true,
});

function fromLayoutColumn(c: LayoutColumn, keyNames: Set<string>): ColumnDef {
  const key = keyNames.has(c.name) || c.key === true;
  return {
    name: c.name,
    type: key && c.type === "text" ? "string" : c.type,
    maxLength: c.maxLength,
    timestampFormat: c.timestampFormat,
    nullable: key ? false : (c.nullable ?? true),
    key,
    get: compilePath(c.path ?? c.name),
  };
}

/** Columns derived from the schema: primary key first (NOT NULL), then every property. */
function derivedColumns(d: StreamDescriptor): ColumnDef[] {
  const props = (isObject(d.schema?.properties) ? d.schema.properties : {}) as Record<string, JsonSchema>;
  const cols: ColumnDef[] = [];
  const used = new Set(["raw", "_synced_at"]);
  const add = (field: string, p: JsonSchema | undefined, key: boolean) => {
    let name = identifier(field, MAX_COLUMN_NAME);
    if (used.has(name.toLowerCase())) name = identifier(`${field}__v`, MAX_COLUMN_NAME);
    used.add(name.toLowerCase());
    let t = p ? logicalTypeOf(p) : { type: "string" as const };
    // A key must be indexable: text and JSON keys become VARCHAR(255).
    if (key && (t.type === "text" || t.type === "json")) t = { type: "string" };
    cols.push({ name, ...t, nullable: !key, key, get: compilePath(field, { literal: true }) });
  };
  for (const k of d.primaryKey) add(k, props[k], true);
  for (const [field, p] of Object.entries(props)) {
    if (!d.primaryKey.includes(field)) add(field, isObject(p) ? p : {}, false);
  }
  return cols;
}

function childDef(c: ChildTableLayout, parentRaw: boolean): ChildDef {
  const parentCols = c.parentColumns.map((p) => ({ ...fromLayoutColumn(p, new Set()), key: p.key ?? true }));
  const keyNames = new Set(parentCols.filter((p) => p.key).map((p) => p.name));
  let own: ColumnDef[];
  if (c.columns) own = c.columns.map((col) => fromLayoutColumn(col, new Set()));
  else {
    const idx = { name: "_sluice_list_idx", type: "integer" as const, nullable: false, key: true };
    own = [{ ...idx, get: (_r, _p, i) => i ?? null }];
  }
  const columns = [
    ...parentCols.map((p) => ({ ...p, nullable: false, get: parentGetter(p.get) })),
    ...own,
    ...((c.raw ?? parentRaw) ? [rawColumn([])] : []),
    ...(c.syncedAt ? [syncedAtColumn()] : []),
  ];
  for (const col of own) if (col.key) keyNames.add(col.name);
  const items = compilePath(c.path);
  const parentGets = parentCols.map((p) => p.get);
  return {
    table: checkTable(c.table),
    columns: columns.map((col) => (keyNames.has(col.name) ? { ...col, key: true, nullable: false } : col)),
    key: columns.filter((col) => keyNames.has(col.name)).map((col) => col.name),
    parentKey: parentCols.map((p) => p.name),
    parentKeyOf: (parent) => parentGets.map((g) => g(parent)),
    items(parent) {
      const v = items(parent);
      return Array.isArray(v) ? v : undefined;
    },
  };
}

/** A parent column of a child row reads the parent record (or the row itself without one). */
function parentGetter(get: ValueGetter): ValueGetter {
  return (record, parent) => get(parent ?? record);
}

function checkTable(name: string): string {
  if (!IDENT.test(name) || name.length > MAX_TABLE_NAME) {
    throw new ConfigError("auroraSink layout", [
      {
        field: "layout.table",
        message: `"${name.slice(0, 80)}" must be a plain identifier of at most ${MAX_TABLE_NAME} characters`,
      },
    ]);
  }
  return name;
}

/**
 * The tables of a stream. `tableOverride` (sink option `tables[stream]`) beats the layout's
 * table name, which beats the stream name.
 */
export function streamTables(d: StreamDescriptor, tableOverride?: string): StreamTables {
  const layout: TableLayout = d.layout ?? {};
  // Keys declared by the layout win; otherwise the stream's primaryKey names them.
  const declared = layout.columns?.filter((c) => c.key).map((c) => c.name) ?? [];
  const keyNames = new Set(declared.length > 0 ? declared : d.primaryKey);
  const columns = layout.columns
    ? layout.columns.map((c) => fromLayoutColumn(c, keyNames))
    : derivedColumns(d);
  const children = (layout.children ?? []).map((c) => childDef(c, layout.raw ?? true));
  // A child array goes to its table: the parent's raw omits the top-level field holding it.
  const omit = [...new Set((layout.children ?? []).map((c) => c.path.split(".")[0]!))];
  if (layout.raw ?? true) columns.push(rawColumn(omit));
  if (layout.syncedAt) columns.push(syncedAtColumn());
  const table = checkTable(tableOverride ?? layout.table ?? identifier(d.name, MAX_TABLE_NAME));
  const names = columns.map((c) => c.name.toLowerCase());
  const dupe = names.find((n, i) => names.indexOf(n) !== i);
  if (dupe) {
    throw new ConfigError("auroraSink layout", [
      { field: `layout.columns`, message: `column "${dupe}" is defined twice for table ${table}` },
    ]);
  }
  return {
    stream: d.name,
    main: { table, columns, key: columns.filter((c) => c.key).map((c) => c.name) },
    children,
  };
}
