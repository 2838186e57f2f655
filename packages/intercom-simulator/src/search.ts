/**
 * Search query grammar and evaluation, docs/intercom-api-notes.md §5. Also the ordered-result machinery the
 * cursor lists (§3) share: results are computed once per (query, sort, data version), cached, and
 * every page is then found by binary search on the keyset cursor, so a page is O(log n + page size).
 */
import type { CursorKey, SortValue } from "./cursor.js";
import { startOfDay, startOfNextDay } from "./timezone.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type FieldKind = "string" | "number" | "boolean" | "date" | "tag" | "segment";

export interface FieldSpec {
  kind: FieldKind;
}

/** What the engine needs to know about one searchable entity. */
export interface SearchAdapter {
  entity: "contact" | "conversation";
  /** Contacts: timestamps match by calendar day in the workspace zone (§5.3); conversations: by second. */
  dayGranularDates: boolean;
  timezone: string;
  size(): number;
  isLive(idx: number): boolean;
  id(idx: number): string;
  field(name: string): FieldSpec | undefined;
  /** Raw value; arrays mean "any element" (contact_ids, tag_ids...). */
  value(idx: number, name: string): unknown;
}

export interface Filter {
  field: string;
  operator: string;
  value: unknown;
}

type Predicate = (idx: number) => boolean;

const GROUP_OPERATORS = new Set(["AND", "OR"]);
const ALL_OPERATORS = new Set(["=", "!=", "IN", "NIN", ">", "<", ">=", "<=", "~", "!~", "^", "$"]);
const MAX_GROUP_DEPTH = 2; // "There's a limit of max 2 nested filters" (§5.1)
const MAX_FILTERS_PER_GROUP = 15; // "max 15 filters for each AND or OR group" (§5.1)

function bad(message: string, code = "parameter_invalid"): ApiError {
  return new ApiError(400, code, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Compiles a search `query` into a predicate, or throws a 400 ApiError (§5.1, §5.2). */
export function compileQuery(query: unknown, adapter: SearchAdapter): Predicate {
  if (query === undefined || query === null) throw bad("query is required", "parameter_missing");
  return compileNode(query, adapter, 0);
}

function compileNode(node: unknown, adapter: SearchAdapter, depth: number): Predicate {
  if (!isObject(node)) throw bad("Each query element must be an object");
  if (typeof node.field === "string") return compileFilter(node as unknown as Filter, adapter);
  if (typeof node.operator !== "string" || !GROUP_OPERATORS.has(node.operator)) {
    throw bad(`Invalid query: expected a filter {field, operator, value} or a group with operator AND/OR`);
  }
  if (depth + 1 > MAX_GROUP_DEPTH) throw bad(`Maximum nesting of ${MAX_GROUP_DEPTH} levels exceeded`);
  if (!Array.isArray(node.value) || node.value.length === 0)
    throw bad(`${node.operator} value must be a non-empty array`);
  if (node.value.length > MAX_FILTERS_PER_GROUP) {
    throw bad(`Maximum of ${MAX_FILTERS_PER_GROUP} filters per ${node.operator} group exceeded`);
  }
  const children = node.value.map((child) => compileNode(child, adapter, depth + 1));
  if (node.operator === "AND") return (idx) => children.every((p) => p(idx));
  return (idx) => children.some((p) => p(idx));
}

function toNumber(v: unknown, field: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  // The spec's own example sends a timestamp as a string ("1306054154"), §5.1.
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  throw bad(`Invalid value for ${field}: expected a number, got ${JSON.stringify(v)}`);
}

function toBool(v: unknown, field: string): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw bad(`Invalid value for ${field}: expected a boolean, got ${JSON.stringify(v)}`);
}

function toStr(v: unknown, field: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw bad(`Invalid value for ${field}: expected a string, got ${JSON.stringify(v)}`);
}

/** Lower-cased comparable form of a raw field value (strings compare case-insensitively). */
function norm(v: unknown): unknown {
  return typeof v === "string" ? v.toLowerCase() : v;
}

function anyOf(raw: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(raw) ? raw.some(test) : test(raw);
}

function compileFilter(f: Filter, adapter: SearchAdapter): Predicate {
  const { field, operator } = f;
  if (typeof operator !== "string" || !ALL_OPERATORS.has(operator)) {
    throw bad(`Invalid operator ${JSON.stringify(operator)} for field ${field}`);
  }
  const spec = adapter.field(field);
  if (!spec) throw bad(`${field} is not a searchable field`);
  const kind = spec.kind;
  const listOp = operator === "IN" || operator === "NIN";
  const rangeOp = [">", "<", ">=", "<="].includes(operator);
  const stringOp = ["~", "!~", "^", "$"].includes(operator);
  const conv = adapter.entity === "conversation";

  // Operator validity per type (contacts table §5.2; conversations list only = != IN NIN > < ~ !~ ^ $).
  if (kind === "tag" && operator !== "=" && operator !== "!=") {
    throw bad(`Operator ${operator} is not supported for ${field}; use = or !=`);
  }
  if (kind === "date" && adapter.dayGranularDates && !["=", ">", "<"].includes(operator)) {
    throw bad(`Operator ${operator} is not supported on Date fields (${field})`);
  }
  if (conv && (operator === ">=" || operator === "<=")) {
    throw bad(`Operator ${operator} is not supported for conversation search`);
  }
  if (rangeOp && kind !== "number" && kind !== "date") {
    throw bad(`Operator ${operator} is only valid for integer and date fields (${field})`);
  }
  if (stringOp && kind !== "string")
    throw bad(`Operator ${operator} is only valid for string fields (${field})`);
  if (listOp && !Array.isArray(f.value)) throw bad(`${operator} requires an array value (${field})`);
  if (!listOp && Array.isArray(f.value))
    throw bad(`Operator ${operator} does not accept an array value (${field})`);

  const coerce = (v: unknown): unknown => {
    if (v === null) return null;
    if (kind === "number" || kind === "date") return toNumber(v, field);
    if (kind === "boolean") return toBool(v, field);
    return toStr(v, field).toLowerCase();
  };
  const get = (idx: number): unknown => adapter.value(idx, field);

  if (listOp) {
    const set = new Set((f.value as unknown[]).map(coerce));
    const hit = (idx: number) => anyOf(get(idx), (v) => set.has(norm(v)));
    return operator === "IN" ? hit : (idx) => !hit(idx);
  }

  const target = coerce(f.value);

  if (kind === "date" && adapter.dayGranularDates && target !== null) {
    // §5.3: "=" whole day, ">" from the start of the next day, "<" before the start of the day.
    const t = target as number;
    const dayStart = startOfDay(t, adapter.timezone);
    const nextDay = startOfNextDay(t, adapter.timezone);
    const num = (idx: number): number | null => {
      const v = get(idx);
      return typeof v === "number" ? v : null;
    };
    if (operator === "=") {
      return (idx) => {
        const v = num(idx);
        return v !== null && v >= dayStart && v < nextDay;
      };
    }
    if (operator === ">") {
      return (idx) => {
        const v = num(idx);
        return v !== null && v >= nextDay;
      };
    }
    return (idx) => {
      const v = num(idx);
      return v !== null && v < dayStart;
    };
  }

  switch (operator) {
    case "=":
      if (field === "source.body" && typeof target === "string") {
        // "the search will ... be performed against every element of the value separately" (§4.4)
        return (idx) => words(get(idx)).includes(target);
      }
      return (idx) => anyOf(get(idx), (v) => norm(v) === target);
    case "!=":
      return (idx) => !anyOf(get(idx), (v) => norm(v) === target);
    case ">":
    case "<":
    case ">=":
    case "<=": {
      const t = target as number;
      // Conversations: ">"/"<" documented as "Greater (or equal) than" / "Lower (or equal) than" (§5.2).
      const gt = conv ? (v: number) => v >= t : (v: number) => v > t;
      const lt = conv ? (v: number) => v <= t : (v: number) => v < t;
      const test =
        operator === ">"
          ? gt
          : operator === "<"
            ? lt
            : operator === ">="
              ? (v: number) => v >= t
              : (v: number) => v <= t;
      return (idx) => anyOf(get(idx), (v) => typeof v === "number" && test(v));
    }
    case "~":
      return (idx) =>
        anyOf(get(idx), (v) => typeof v === "string" && v.toLowerCase().includes(target as string));
    case "!~":
      return (idx) =>
        !anyOf(get(idx), (v) => typeof v === "string" && v.toLowerCase().includes(target as string));
    case "^":
      return (idx) =>
        anyOf(get(idx), (v) => typeof v === "string" && v.toLowerCase().startsWith(target as string));
    case "$":
      return (idx) =>
        anyOf(get(idx), (v) => typeof v === "string" && v.toLowerCase().endsWith(target as string));
    default:
      throw bad(`Invalid operator ${operator}`);
  }
}

function words(raw: unknown): string[] {
  if (typeof raw !== "string") return [];
  return raw
    .replace(/<[^>]*>/g, " ")
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean);
}

// ------------------------------------------------------------------ ordering and paging

export type Order = "ascending" | "descending";

export interface SortSpec {
  field: string;
  order: Order;
}

/** Parses the body `sort` (§4.1): order must be ascending|descending, else 400 invalid_sort_order. */
export function parseSort(raw: unknown, adapter: SearchAdapter, fallback: SortSpec): SortSpec {
  if (raw === undefined || raw === null) return fallback;
  if (!isObject(raw)) throw bad("sort must be an object");
  const order = raw.order ?? "descending";
  if (order !== "ascending" && order !== "descending") {
    throw new ApiError(
      400,
      "invalid_sort_order",
      `Invalid sort order '${String(order)}'. Must be one of: ascending, descending`,
    );
  }
  const field = raw.field ?? fallback.field;
  if (typeof field !== "string" || !adapter.field(field))
    throw bad(`Invalid sort field ${JSON.stringify(field)}`);
  return { field, order };
}

/** Total order on sort values: null first, then numbers/booleans, then strings. */
export function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : 1;
  if (typeof a === "string") return 1;
  if (typeof b === "string") return -1;
  return Number(a) - Number(b);
}

/** Ids: shorter first, then lexicographic (numeric string ids order numerically). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortValue(raw: unknown): SortValue {
  if (Array.isArray(raw)) return raw.length > 0 ? sortValue(raw[0]) : null;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
  return null;
}

export interface ResultSet {
  indices: Int32Array;
  keys: SortValue[];
  ids: string[];
  direction: 1 | -1;
}

export function buildResultSet(
  adapter: SearchAdapter,
  predicate: Predicate | null,
  sort: SortSpec,
): ResultSet {
  const n = adapter.size();
  const matched: number[] = [];
  for (let i = 0; i < n; i++) {
    if (adapter.isLive(i) && (predicate === null || predicate(i))) matched.push(i);
  }
  const vals: SortValue[] = matched.map((i) => sortValue(adapter.value(i, sort.field)));
  const ids: string[] = matched.map((i) => adapter.id(i));
  const direction = sort.order === "ascending" ? 1 : -1;
  const perm = Array.from(matched.keys());
  if (vals.every((v) => typeof v === "number")) {
    const nums = vals as number[];
    perm.sort(
      (a, b) =>
        direction *
        ((nums[a] as number) - (nums[b] as number) || compareIds(ids[a] as string, ids[b] as string)),
    );
  } else {
    perm.sort(
      (a, b) =>
        direction *
        (compareValues(vals[a] ?? null, vals[b] ?? null) || compareIds(ids[a] as string, ids[b] as string)),
    );
  }
  return {
    indices: Int32Array.from(perm, (p) => matched[p] as number),
    keys: perm.map((p) => vals[p] ?? null),
    ids: perm.map((p) => ids[p] as string),
    direction,
  };
}

/** Position of the first result strictly after the cursor in the result's order. */
export function positionAfter(rs: ResultSet, cursor: CursorKey): number {
  let lo = 0;
  let hi = rs.indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c =
      rs.direction *
      (compareValues(rs.keys[mid] ?? null, cursor.value) || compareIds(rs.ids[mid] ?? "", cursor.id));
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Small LRU of result sets keyed by query text; invalidated by the workspace version. */
export class ResultCache {
  private readonly map = new Map<string, ResultSet>();
  private version = -1;
  constructor(private readonly capacity = 16) {}

  get(key: string, version: number, build: () => ResultSet): ResultSet {
    if (version !== this.version) {
      this.map.clear();
      this.version = version;
    }
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const rs = build();
    this.map.set(key, rs);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return rs;
  }
}
