/**
 * Record value → canonical cell, checked against the column's real storage (family and width)
 * client-side: `LOAD DATA LOCAL` turns server errors into warnings, and nothing may be truncated
 * silently. A value that does not fit throws a FieldError; the writer names stream, record and id.
 */
import type { PhysType } from "./dialect/index.js";
import type { ColumnDef } from "./table-def.js";

/** What the loaders send: strings, numbers, NULL. */
export type Cell = string | number | null;

export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** MySQL DATETIME range, in milliseconds. */
const MIN_DATETIME_MS = Date.UTC(1000, 0, 1);
const MAX_DATETIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const INT_RANGE: Record<number, [number, number]> = {
  1: [-128, 127],
  2: [-32_768, 32_767],
  3: [-8_388_608, 8_388_607],
  4: [-2_147_483_648, 2_147_483_647],
};

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 40);

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function asString(_name: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v) ?? String(v);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Unix seconds / ms (number or numeric string) or an ISO-8601 string → "YYYY-MM-DD HH:MM:SS[.mmm]" (UTC). */
export function toDatetime(
  v: unknown,
  name: string,
  format: ColumnDef["timestampFormat"],
  fsp = 0,
): string | null {
  if (v === null || v === undefined || v === "") return null;
  let ms: number;
  const unit = format === "unix-ms" ? 1 : 1000;
  if (typeof v === "number") ms = v * unit;
  else if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) ms = Number(v) * unit;
  else if (typeof v === "string") {
    ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new FieldError(name, `not a timestamp: ${show(v)}`);
  } else throw new FieldError(name, `expected a timestamp, got ${typeof v}`);
  if (!Number.isFinite(ms) || ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS) {
    throw new FieldError(name, `timestamp out of DATETIME range: ${show(v)}`);
  }
  const d = new Date(fsp > 0 ? Math.floor(ms) : Math.floor(ms / 1000) * 1000);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fsp > 0 ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

function toInt(name: string, v: unknown, bytes: number): Cell {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return toInt(name, n, bytes);
    if (bytes >= 8 && BigInt(v) <= 9_223_372_036_854_775_807n && BigInt(v) >= -9_223_372_036_854_775_808n) {
      return v.trim();
    }
  }
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new FieldError(name, `expected an integer, got ${show(v)}`);
  }
  const range = INT_RANGE[bytes];
  if (range && (v < range[0] || v > range[1])) {
    throw new FieldError(name, `integer out of range for a ${bytes * 8}-bit column: ${v}`);
  }
  return v;
}

function toBool(name: string, v: unknown): Cell {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === 0 || v === 1) return v;
  if (v === "true" || v === "1") return 1;
  if (v === "false" || v === "0") return 0;
  throw new FieldError(name, `expected a boolean, got ${show(v)}`);
}

function toNumber(name: string, v: unknown): Cell {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw new FieldError(name, `expected a number, got ${show(v)}`);
  return n;
}

/** A value for a column stored as `phys`. */
export function toCell(column: ColumnDef, phys: PhysType, v: unknown): Cell {
  if (v === undefined || v === null) return null;
  const name = column.name;
  switch (phys.family) {
    case "json":
      return JSON.stringify(v);
    case "varchar": {
      const s = column.type === "json" ? JSON.stringify(v) : asString(name, v);
      if (s.length > phys.size && charLength(s) > phys.size) {
        throw new FieldError(name, `longer than ${phys.size} characters`);
      }
      return s;
    }
    case "text": {
      const s = column.type === "json" ? JSON.stringify(v) : asString(name, v);
      if (s.length * 3 > phys.size && Buffer.byteLength(s) > phys.size) {
        throw new FieldError(name, `longer than ${phys.size} bytes`);
      }
      return s;
    }
    case "datetime":
      return toDatetime(v, name, column.timestampFormat, phys.size);
    case "bool":
      return toBool(name, v);
    case "int":
      return toInt(name, v, phys.size);
    case "double":
      return toNumber(name, v);
    case "other":
      return typeof v === "object" ? JSON.stringify(v) : asString(name, v);
  }
}

/** Approximate bytes of a row on the wire (for batch sizing and `max_allowed_packet`). */
export function rowBytes(row: Cell[]): number {
  let n = 0;
  for (const c of row) n += c === null ? 2 : typeof c === "number" ? 8 : c.length + 3;
  return n;
}

/** A row's bytes on the wire with escaping headroom, used only for rows near a limit. */
export function rowBytesExact(row: Cell[]): number {
  let n = 0;
  for (const c of row)
    n += c === null ? 2 : typeof c === "number" ? 24 : Math.ceil(Buffer.byteLength(c) * 1.05) + 3;
  return n;
}
