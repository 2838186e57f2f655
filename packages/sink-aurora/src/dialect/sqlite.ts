/** SQLite (the embedded sql.js option): one in-process database, transactional DDL. */
import type { ColumnDef } from "../table-def.js";
import type { PhysColumn, PhysType, RenamePair, SqlDialect } from "./types.js";

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;

function typeOf(c: ColumnDef): PhysType {
  switch (c.type) {
    case "string": {
      const n = c.maxLength ?? 255;
      return { family: "varchar", size: n, sql: `VARCHAR(${n})` };
    }
    case "text":
      return { family: "text", size: c.maxLength ?? 65_535, sql: "TEXT" };
    case "integer":
      return { family: "int", size: 8, sql: "BIGINT" };
    case "number":
      return { family: "double", size: 8, sql: "REAL" };
    case "boolean":
      return { family: "bool", size: 1, sql: "BOOLEAN" };
    case "timestamp":
      return (c.timestampFormat ?? "unix-seconds") === "unix-seconds"
        ? { family: "datetime", size: 0, sql: "DATETIME" }
        : { family: "datetime", size: 3, sql: "DATETIME(3)" };
    case "json":
      return { family: "json", size: 1_000_000_000, sql: "TEXT" };
  }
}

/** SQLite keeps declared types as written; widths are not enforced, so only the family matters. */
function parseType(declared: string): PhysType {
  const t = declared.toUpperCase();
  const n = Number(/\((\d+)/.exec(t)?.[1] ?? Number.NaN);
  if (t.startsWith("BOOL")) return { family: "bool", size: 1, sql: t };
  if (t.includes("INT")) return { family: "int", size: 8, sql: t };
  if (t.startsWith("REAL") || t.startsWith("DOUBLE") || t.startsWith("FLOAT"))
    return { family: "double", size: 8, sql: t };
  if (t.startsWith("VARCHAR")) return { family: "varchar", size: Number.isNaN(n) ? 255 : n, sql: t };
  if (t.startsWith("DATETIME")) return { family: "datetime", size: Number.isNaN(n) ? 0 : n, sql: t };
  if (t.startsWith("TEXT") || t === "") return { family: "text", size: 1_000_000_000, sql: t };
  return { family: "other", size: 0, sql: t };
}

const colSql = (c: PhysColumn) => `${q(c.name)} ${c.type.sql} ${c.nullable ? "NULL" : "NOT NULL"}`;

function createTable(table: string, columns: PhysColumn[], key: string[], temporary = false): string {
  const lines = columns.map((c) => `  ${colSql(c)}`);
  if (key.length > 0) lines.push(`  PRIMARY KEY (${key.map(q).join(", ")})`);
  return `CREATE ${temporary ? "TEMP " : ""}TABLE IF NOT EXISTS ${q(table)} (\n${lines.join(",\n")}\n)`;
}

export const sqliteDialect: SqlDialect = {
  name: "sqlite",
  ddlInTransaction: true,
  enforcesWidths: false,
  temporaryStaging: false,
  namedLocks: false,
  swapInTransaction: true,
  quote: q,
  begin: () => "BEGIN",
  typeOf,
  parseType,
  createTable,
  createLike: (staging, _table, columns, key) => [
    `DROP TABLE IF EXISTS ${q(staging)}`,
    createTable(staging, columns, key),
  ],
  dropTable: (table) => `DROP TABLE IF EXISTS ${q(table)}`,
  addColumn: (table, c) => `ALTER TABLE ${q(table)} ADD COLUMN ${colSql({ ...c, nullable: true })}`,
  widenColumn: () => {
    throw new Error("SQLite does not enforce column widths: nothing to widen");
  },
  columnsQuery: (table) => ({
    sql: "SELECT name, type, CASE \"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END AS nullable FROM pragma_table_info(?)",
    params: [table],
  }),
  tablesLikeQuery: (prefix) => ({
    sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?",
    params: [String(prefix.length), prefix],
  }),
  insertHead: (table, columns, onDuplicate) =>
    `INSERT${onDuplicate === "replace" ? " OR REPLACE" : ""} INTO ${q(table)} (${columns.map(q).join(",")})`,
  upsertSuffix: (columns, key) => {
    const set = columns.filter((c) => !key.includes(c)).map((c) => `${q(c)} = excluded.${q(c)}`);
    return set.length > 0
      ? ` ON CONFLICT (${key.map(q).join(", ")}) DO UPDATE SET ${set.join(", ")}`
      : ` ON CONFLICT (${key.map(q).join(", ")}) DO NOTHING`;
  },
  mergeFromStaging(table, staging, columns, key, upsert) {
    const cols = columns.map(q).join(", ");
    // `WHERE true` keeps SQLite's parser from reading ON CONFLICT as a join constraint.
    const insert = `INSERT INTO ${q(table)} (${cols}) SELECT ${cols} FROM ${q(staging)} WHERE true`;
    return upsert ? `${insert}${this.upsertSuffix(columns, key)}` : insert;
  },
  // Inside the caller's transaction: atomic, and SQLite readers never see the gap.
  swap: (renames: RenamePair[]) => renames.map((r) => `ALTER TABLE ${q(r.from)} RENAME TO ${q(r.to)}`),
  keyIn: (key, rows) => {
    const tuple = key.length === 1 ? "?" : `(${key.map(() => "?").join(", ")})`;
    const lhs = key.length === 1 ? q(key[0]!) : `(${key.map(q).join(", ")})`;
    return `${lhs} IN (${key.length === 1 ? "" : "VALUES "}${Array.from({ length: rows }, () => tuple).join(", ")})`;
  },
  lock: () => undefined,
  unlock: () => undefined,
  lockFree: () => undefined,
};
