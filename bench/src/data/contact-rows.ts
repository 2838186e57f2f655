/**
 * What a hand-written loader does with a contact record: the same columns sink-aurora's
 * `users` table has (id, external_id, email, name, phone, role, owner_id, four DATETIMEs,
 * custom_attributes JSON, raw JSON). Used by the LOAD DATA and TypeORM baselines.
 */
import type { JsonObject } from "@sluice/core";

export const CONTACT_COLUMNS = [
  "id",
  "external_id",
  "email",
  "name",
  "phone",
  "role",
  "owner_id",
  "created_at",
  "updated_at",
  "last_seen_at",
  "signed_up_at",
  "custom_attributes",
  "raw",
] as const;

/** Fallback DDL when sink-aurora's own `users` table is not there to copy with CREATE TABLE LIKE. */
export function contactTableDdl(table: string): string {
  return `CREATE TABLE \`${table}\` (
  id VARCHAR(64) NOT NULL,
  external_id VARCHAR(255) NULL,
  email VARCHAR(255) NULL,
  name TEXT NULL,
  phone VARCHAR(255) NULL,
  role VARCHAR(64) NULL,
  owner_id VARCHAR(64) NULL,
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  last_seen_at DATETIME NULL,
  signed_up_at DATETIME NULL,
  custom_attributes JSON NULL,
  raw JSON NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
export function datetime(seconds: unknown): string | null {
  if (typeof seconds !== "number") return null;
  const d = new Date(seconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** One row as cells (strings or NULL), in CONTACT_COLUMNS order. */
export function contactCells(r: JsonObject): (string | null)[] {
  return [
    str(r.id),
    str(r.external_id),
    str(r.email),
    str(r.name),
    str(r.phone),
    str(r.role),
    str(r.owner_id),
    datetime(r.created_at),
    datetime(r.updated_at),
    datetime(r.last_seen_at),
    datetime(r.signed_up_at),
    r.custom_attributes === undefined || r.custom_attributes === null
      ? null
      : JSON.stringify(r.custom_attributes),
    JSON.stringify(r),
  ];
}

/** MySQL's default LOAD DATA text format: tab-separated, `\N` for NULL, backslash escapes. */
export function tsvLine(cells: (string | null)[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (i > 0) line += "\t";
    line += c === null || c === undefined ? "\\N" : c.replace(/[\\\t\n\r\0]/g, escapeChar);
  }
  return `${line}\n`;
}

function escapeChar(ch: string): string {
  switch (ch) {
    case "\\":
      return "\\\\";
    case "\t":
      return "\\t";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    default:
      return "\\0";
  }
}
