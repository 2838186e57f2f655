/**
 * Table specifications for every Intercom stream: columns, their storage kind, and how a value
 * is taken from a record. One spec drives the migrations (DDL), the TypeORM entities and the
 * row conversion on the hot path, so the three cannot drift apart.
 */
import type { JsonObject, JsonValue } from "@sluice/core";

/** Streams this sink has a table for (the Intercom source's stream names). */
export const STREAMS = [
  "contacts",
  "conversations",
  "conversation_parts",
  "companies",
  "admins",
  "teams",
  "tags",
  "segments",
  "data_attributes",
] as const;
export type IntercomStream = (typeof STREAMS)[number];
/** Logical tables: one per stream plus the checkpoint table. */
export type TableKey = IntercomStream | "sync_state";

export const DEFAULT_TABLES: Record<TableKey, string> = {
  contacts: "users",
  conversations: "conversation",
  conversation_parts: "conversation_part",
  companies: "companies",
  admins: "admins",
  teams: "teams",
  tags: "tags",
  segments: "segments",
  data_attributes: "data_attributes",
  sync_state: "sync_state",
};

/**
 * Storage kinds. `id`: VARCHAR(64), ids normalised to strings. `string`: VARCHAR(length).
 * `text` (64 KiB) / `mediumtext` (16 MiB). `datetime`: DATETIME from Unix seconds, UTC.
 * `boolean`: TINYINT(1). `int`: INT. `double`: DOUBLE. `json`: JSON (LONGTEXT on MariaDB).
 */
export type ColumnKind =
  | "id"
  | "string"
  | "text"
  | "mediumtext"
  | "datetime"
  | "boolean"
  | "int"
  | "double"
  | "json";

/** A canonical cell: what the loaders send (strings, numbers, NULL). */
export type Cell = string | number | null;

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** VARCHAR length for `string` (characters). */
  length?: number;
  nullable: boolean;
  /** Extracts the raw value from a record (before normalisation). */
  get: (record: JsonObject, parent?: JsonObject) => unknown;
  /** `0` / `"0"` mean "nothing" (unassigned) and are stored as NULL. */
  zeroIsNull?: boolean;
}

export interface TableSpec {
  key: TableKey;
  /** Entity name used by TypeORM. */
  entity: string;
  columns: ColumnSpec[];
  primaryKey: string[];
}

/** Thrown by normalisers; the writer turns it into a DataError naming stream and record. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const field =
  (name: string) =>
  (r: JsonObject): unknown =>
    r[name];
const nested =
  (...path: string[]) =>
  (r: JsonObject): unknown => {
    let v: unknown = r;
    for (const p of path) {
      if (!isObject(v)) return undefined;
      v = v[p];
    }
    return v;
  };
/** `x` as an id, or `x.id` when `x` is an object (e.g. `assigned_to: {type, id}`). */
const idOrObjectId =
  (name: string) =>
  (r: JsonObject): unknown => {
    const v = r[name];
    return isObject(v) ? v.id : v;
  };

const col = (
  name: string,
  kind: ColumnKind,
  extra: Partial<Omit<ColumnSpec, "name" | "kind">> = {},
): ColumnSpec => ({ name, kind, nullable: true, get: field(name), ...extra });
const pk = (name: string, kind: ColumnKind = "id", extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  ...col(name, kind, extra),
  nullable: false,
});
const raw = (): ColumnSpec => ({ name: "raw", kind: "json", nullable: false, get: (r) => r });

/** Parts carried inline by a conversation (`conversation_parts.conversation_parts`). */
export function inlineParts(conversation: JsonObject): JsonValue[] | undefined {
  const list = conversation.conversation_parts;
  if (Array.isArray(list)) return list;
  if (isObject(list) && Array.isArray(list.conversation_parts)) return list.conversation_parts;
  return undefined;
}

/** The conversation without its (big) parts array: parts go to their own table. */
function conversationRaw(r: JsonObject): JsonObject {
  if (r.conversation_parts === undefined) return r;
  const { conversation_parts: _parts, ...rest } = r;
  return rest;
}

function partsCount(r: JsonObject): unknown {
  const stat = nested("statistics", "count_conversation_parts")(r);
  if (stat !== undefined && stat !== null) return stat;
  return nested("conversation_parts", "total_count")(r) ?? null;
}

function partsTruncated(r: JsonObject): unknown {
  if (typeof r.parts_truncated === "boolean") return r.parts_truncated;
  const list = inlineParts(r);
  if (!list) return null;
  const total = nested("conversation_parts", "total_count")(r);
  const returned = typeof total === "number" ? total : list.length;
  const stat = nested("statistics", "count_conversation_parts")(r);
  // Intercom returns at most 500 parts per conversation; more exist when the statistic says so.
  if (typeof stat === "number") return stat > returned;
  return returned >= 500 || (typeof total === "number" && total > list.length);
}

function contactIds(r: JsonObject): unknown {
  const list = nested("contacts", "contacts")(r);
  if (!Array.isArray(list)) return null;
  return list
    .map((c) => (isObject(c) ? c.id : c))
    .filter((id) => id !== undefined && id !== null)
    .map(String);
}

function planName(r: JsonObject): unknown {
  const plan = r.plan;
  if (isObject(plan)) return plan.name ?? null;
  return plan;
}

export const TABLE_SPECS: Record<TableKey, TableSpec> = {
  contacts: {
    key: "contacts",
    entity: "IntercomContact",
    primaryKey: ["id"],
    columns: [
      pk("id"),
      col("external_id", "string", { length: 255 }),
      col("email", "string", { length: 255 }),
      col("name", "text"),
      col("phone", "string", { length: 255 }),
      col("role", "string", { length: 64 }),
      col("owner_id", "id", { zeroIsNull: false }),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      col("last_seen_at", "datetime"),
      col("signed_up_at", "datetime"),
      col("custom_attributes", "json"),
      raw(),
    ],
  },
  conversations: {
    key: "conversations",
    entity: "IntercomConversation",
    primaryKey: ["id"],
    columns: [
      pk("id"),
      col("title", "text"),
      col("state", "string", { length: 32 }),
      col("open", "boolean"),
      col("read", "boolean"),
      col("priority", "string", { length: 32 }),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      col("waiting_since", "datetime"),
      col("snoozed_until", "datetime"),
      col("admin_assignee_id", "id", { zeroIsNull: true }),
      col("team_assignee_id", "id", { zeroIsNull: true }),
      col("contact_ids", "json", { get: contactIds }),
      col("source_type", "string", { length: 64, get: nested("source", "type") }),
      col("count_conversation_parts", "int", { get: partsCount }),
      col("parts_truncated", "boolean", { get: partsTruncated }),
      col("custom_attributes", "json"),
      { ...raw(), get: conversationRaw },
    ],
  },
  conversation_parts: {
    key: "conversation_parts",
    entity: "IntercomConversationPart",
    // Composite: part ids are unique in Intercom, but (conversation_id, id) is safe either way
    // and doubles as the conversation_id index (leftmost prefix).
    primaryKey: ["conversation_id", "id"],
    columns: [
      pk("conversation_id", "id", { get: (r, parent) => parent?.id ?? r.conversation_id }),
      pk("id"),
      col("part_type", "string", { length: 255 }),
      col("body", "mediumtext"),
      col("author_id", "id", { get: nested("author", "id") }),
      col("author_type", "string", { length: 64, get: nested("author", "type") }),
      col("assigned_to_id", "id", { get: idOrObjectId("assigned_to") }),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      col("notified_at", "datetime"),
      raw(),
    ],
  },
  companies: {
    key: "companies",
    entity: "IntercomCompany",
    primaryKey: ["id"],
    columns: [
      pk("id"),
      col("company_id", "string", { length: 255 }),
      col("name", "text"),
      col("plan", "string", { length: 255, get: planName }),
      col("website", "text"),
      col("industry", "string", { length: 255 }),
      col("size", "int"),
      col("monthly_spend", "double"),
      col("session_count", "int"),
      col("user_count", "int"),
      col("remote_created_at", "datetime"),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      col("last_request_at", "datetime"),
      col("custom_attributes", "json"),
      raw(),
    ],
  },
  admins: {
    key: "admins",
    entity: "IntercomAdmin",
    primaryKey: ["id"],
    columns: [
      pk("id"),
      col("name", "text"),
      col("email", "string", { length: 255 }),
      col("job_title", "string", { length: 255 }),
      col("role", "string", { length: 64, get: (r) => (isObject(r.role) ? r.role.name : r.role) }),
      col("away_mode_enabled", "boolean"),
      col("away_mode_reassign", "boolean"),
      col("has_inbox_seat", "boolean"),
      col("team_ids", "json"),
      raw(),
    ],
  },
  teams: {
    key: "teams",
    entity: "IntercomTeam",
    primaryKey: ["id"],
    columns: [pk("id"), col("name", "text"), col("admin_ids", "json"), raw()],
  },
  tags: {
    key: "tags",
    entity: "IntercomTag",
    primaryKey: ["id"],
    columns: [pk("id"), col("name", "text"), raw()],
  },
  segments: {
    key: "segments",
    entity: "IntercomSegment",
    primaryKey: ["id"],
    columns: [
      pk("id"),
      col("name", "text"),
      col("person_type", "string", { length: 32 }),
      col("count", "int"),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      raw(),
    ],
  },
  data_attributes: {
    key: "data_attributes",
    entity: "IntercomDataAttribute",
    // Standard attributes have no id (only custom ones do): key by (model, full_name).
    primaryKey: ["model", "full_name"],
    columns: [
      pk("model", "string", { length: 64 }),
      pk("full_name", "string", { length: 255, get: (r) => r.full_name ?? r.name }),
      col("id", "id"),
      col("name", "string", { length: 255 }),
      col("label", "text"),
      col("description", "text"),
      col("data_type", "string", { length: 32 }),
      col("custom", "boolean"),
      col("archived", "boolean"),
      col("api_writable", "boolean"),
      col("created_at", "datetime"),
      col("updated_at", "datetime"),
      raw(),
    ],
  },
  sync_state: {
    key: "sync_state",
    entity: "SluiceSyncState",
    primaryKey: ["state_key"],
    columns: [
      pk("state_key", "string", { length: 255 }),
      col("checkpoint", "json"),
      col("updated_at", "datetime"),
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// Normalisation: record value -> canonical cell.

const MAX_ID = 64;
const TEXT_BYTES = 65_535;
const MEDIUMTEXT_BYTES = 16_777_215;
/** MySQL DATETIME range, in Unix seconds. */
const MIN_DATETIME_S = Date.UTC(1000, 0, 1) / 1000;
const MAX_DATETIME_S = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function asString(column: ColumnSpec, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  throw new FieldError(column.name, `expected a string, got ${Array.isArray(v) ? "array" : typeof v}`);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Unix seconds (number or numeric string) or an ISO-8601 string -> "YYYY-MM-DD HH:MM:SS" (UTC). */
export function toDatetime(v: unknown, name = "value"): string | null {
  if (v === null || v === undefined || v === "") return null;
  let seconds: number;
  if (typeof v === "number") seconds = v;
  else if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) seconds = Number(v);
  else if (typeof v === "string") {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new FieldError(name, `not a timestamp: ${JSON.stringify(v).slice(0, 40)}`);
    seconds = ms / 1000;
  } else throw new FieldError(name, `expected Unix seconds, got ${typeof v}`);
  if (!Number.isFinite(seconds) || seconds < MIN_DATETIME_S || seconds > MAX_DATETIME_S) {
    throw new FieldError(name, `timestamp out of DATETIME range: ${String(v)}`);
  }
  const d = new Date(Math.floor(seconds) * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

export function normalize(column: ColumnSpec, v: unknown): Cell {
  if (v === undefined || v === null) return null;
  switch (column.kind) {
    case "id": {
      if (column.zeroIsNull && (v === 0 || v === "0" || v === "")) return null;
      if (typeof v === "number" && !Number.isInteger(v)) throw new FieldError(column.name, `not an id: ${v}`);
      const s = asString(column, v);
      if (s.length === 0) return null;
      if (s.length > MAX_ID) throw new FieldError(column.name, `id longer than ${MAX_ID} characters`);
      return s;
    }
    case "string": {
      const s = asString(column, v);
      const max = column.length ?? 255;
      if (s.length > max && charLength(s) > max) {
        throw new FieldError(column.name, `longer than ${max} characters`);
      }
      return s;
    }
    case "text":
    case "mediumtext": {
      const s = asString(column, v);
      const max = column.kind === "text" ? TEXT_BYTES : MEDIUMTEXT_BYTES;
      if (s.length * 3 > max && Buffer.byteLength(s) > max) {
        throw new FieldError(column.name, `longer than ${max} bytes`);
      }
      return s;
    }
    case "datetime":
      return toDatetime(v, column.name);
    case "boolean":
      if (typeof v === "boolean") return v ? 1 : 0;
      if (v === 0 || v === 1) return v;
      if (v === "true" || v === "1") return 1;
      if (v === "false" || v === "0") return 0;
      throw new FieldError(column.name, `expected a boolean, got ${JSON.stringify(v).slice(0, 40)}`);
    case "int": {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n) || n < -2_147_483_648 || n > 2_147_483_647) {
        throw new FieldError(column.name, `expected a 32-bit integer, got ${JSON.stringify(v).slice(0, 40)}`);
      }
      return n;
    }
    case "double": {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) {
        throw new FieldError(column.name, `expected a number, got ${JSON.stringify(v).slice(0, 40)}`);
      }
      return n;
    }
    case "json":
      return JSON.stringify(v);
  }
}

/** Record -> row of canonical cells, in column order. Throws FieldError. */
export function toRow(spec: TableSpec, record: JsonObject, parent?: JsonObject): Cell[] {
  const row = new Array<Cell>(spec.columns.length);
  for (let i = 0; i < spec.columns.length; i++) {
    const c = spec.columns[i]!;
    const cell = normalize(c, c.get(record, parent));
    if (cell === null && !c.nullable) throw new FieldError(c.name, `missing ${c.name}`);
    row[i] = cell;
  }
  return row;
}

/** Best-effort id of a record for error messages. */
export function recordId(record: unknown): string | undefined {
  if (!isObject(record)) return undefined;
  const id = record.id ?? record.full_name ?? record.name;
  return typeof id === "string" || typeof id === "number" ? String(id).slice(0, 80) : undefined;
}

export { isObject };
