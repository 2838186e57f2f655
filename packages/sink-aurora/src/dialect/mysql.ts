/** MySQL 8 / Aurora MySQL 3 / MariaDB. */
import type { ColumnDef } from "../table-def.js";
import type { PhysColumn, PhysType, RenamePair, SqlDialect } from "./types.js";

const q = (n: string) => `\`${n.replace(/`/g, "``")}\``;
const TEXT_SIZES: Array<[number, string]> = [
  [65_535, "TEXT"],
  [16_777_215, "MEDIUMTEXT"],
  [4_294_967_295, "LONGTEXT"],
];

function textType(bytes: number): PhysType {
  const [size, sql] = TEXT_SIZES.find(([s]) => bytes <= s) ?? TEXT_SIZES[2]!;
  return { family: "text", size, sql };
}

function typeOf(c: ColumnDef): PhysType {
  switch (c.type) {
    case "string": {
      const n = c.maxLength ?? 255;
      return n <= 16_383 ? { family: "varchar", size: n, sql: `VARCHAR(${n})` } : textType(n * 4);
    }
    case "text":
      return textType(c.maxLength ?? 65_535);
    case "integer":
      return { family: "int", size: 8, sql: "BIGINT" };
    case "number":
      return { family: "double", size: 8, sql: "DOUBLE" };
    case "boolean":
      return { family: "bool", size: 1, sql: "TINYINT(1)" };
    case "timestamp":
      return (c.timestampFormat ?? "unix-seconds") === "unix-seconds"
        ? { family: "datetime", size: 0, sql: "DATETIME" }
        : { family: "datetime", size: 3, sql: "DATETIME(3)" };
    case "json":
      return { family: "json", size: 4_294_967_295, sql: "JSON" };
  }
}

const INT_BYTES: Record<string, number> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, bigint: 8 };

function parseType(declared: string): PhysType {
  const t = declared.toLowerCase().trim();
  const sql = declared.toUpperCase();
  const m = /^(\w+)(?:\((\d+)(?:,\d+)?\))?/.exec(t);
  const base = m?.[1] ?? t;
  const n = m?.[2] === undefined ? undefined : Number(m[2]);
  if (base === "tinyint" && n === 1) return { family: "bool", size: 1, sql };
  if (base === "bool" || base === "boolean") return { family: "bool", size: 1, sql };
  if (base in INT_BYTES) return { family: "int", size: INT_BYTES[base]!, sql };
  if (["double", "float", "decimal", "real"].includes(base)) return { family: "double", size: 8, sql };
  if (base === "varchar" || base === "char") return { family: "varchar", size: n ?? 255, sql };
  const text = { tinytext: 255, text: 65_535, mediumtext: 16_777_215, longtext: 4_294_967_295 }[base];
  if (text !== undefined) return { family: "text", size: text, sql };
  if (base === "json") return { family: "json", size: 4_294_967_295, sql };
  if (base === "datetime" || base === "timestamp") return { family: "datetime", size: n ?? 0, sql };
  return { family: "other", size: 0, sql };
}

const colSql = (c: PhysColumn) => `${q(c.name)} ${c.type.sql} ${c.nullable ? "NULL" : "NOT NULL"}`;

function createTable(table: string, columns: PhysColumn[], key: string[], temporary = false): string {
  const lines = columns.map((c) => `  ${colSql(c)}`);
  if (key.length > 0) lines.push(`  PRIMARY KEY (${key.map(q).join(", ")})`);
  const head = `CREATE ${temporary ? "TEMPORARY " : ""}TABLE IF NOT EXISTS ${q(table)}`;
  return `${head} (\n${lines.join(",\n")}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

export const mysqlDialect: SqlDialect = {
  name: "mysql",
  ddlInTransaction: false,
  enforcesWidths: true,
  temporaryStaging: true,
  namedLocks: true,
  swapInTransaction: false,
  quote: q,
  begin: () => "START TRANSACTION",
  typeOf,
  parseType,
  createTable,
  createLike: (staging, table, _columns, _key, temporary) => {
    const tmp = temporary ? "TEMPORARY " : "";
    return [`DROP ${tmp}TABLE IF EXISTS ${q(staging)}`, `CREATE ${tmp}TABLE ${q(staging)} LIKE ${q(table)}`];
  },
  dropTable: (table, temporary = false) => `DROP ${temporary ? "TEMPORARY " : ""}TABLE IF EXISTS ${q(table)}`,
  // Nullable ADD COLUMN at the end: ALGORITHM=INSTANT on MySQL 8 / MariaDB 10.3+ (no table copy).
  addColumn: (table, c) => `ALTER TABLE ${q(table)} ADD COLUMN ${colSql({ ...c, nullable: true })}`,
  widenColumn: (table, c) => `ALTER TABLE ${q(table)} MODIFY COLUMN ${colSql(c)}`,
  columnsQuery: (table) => ({
    sql:
      "SELECT column_name AS name, column_type AS type, is_nullable AS nullable FROM information_schema.columns " +
      "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
    params: [table],
  }),
  tablesLikeQuery: (prefix) => ({
    sql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?",
    params: [`${prefix.replace(/[\\_%]/g, (c) => `\\${c}`)}%`],
  }),
  insertHead: (table, columns, onDuplicate) =>
    `${onDuplicate === "replace" ? "REPLACE" : "INSERT"} INTO ${q(table)} (${columns.map(q).join(",")})`,
  // VALUES() works on MySQL 8 (deprecated since 8.0.20, still supported) and on MariaDB; the
  // MySQL-only row alias (`AS new`) would break MariaDB.
  upsertSuffix: (columns, key) => {
    const set = columns.filter((c) => !key.includes(c)).map((c) => `${q(c)} = VALUES(${q(c)})`);
    const updates = set.length > 0 ? set : key.slice(0, 1).map((c) => `${q(c)} = ${q(c)}`);
    return ` ON DUPLICATE KEY UPDATE ${updates.join(", ")}`;
  },
  mergeFromStaging(table, staging, columns, key, upsert) {
    const cols = columns.map(q).join(", ");
    const insert = `INSERT INTO ${q(table)} (${cols}) SELECT ${cols} FROM ${q(staging)}`;
    return upsert ? `${insert}${this.upsertSuffix(columns, key)}` : insert;
  },
  // One RENAME TABLE: readers see the old tables or the new ones, never an empty or partial one.
  swap: (renames: RenamePair[]) => [
    `RENAME TABLE ${renames.map((r) => `${q(r.from)} TO ${q(r.to)}`).join(", ")}`,
  ],
  keyIn: (key, rows) => {
    const tuple = key.length === 1 ? "?" : `(${key.map(() => "?").join(", ")})`;
    const lhs = key.length === 1 ? q(key[0]!) : `(${key.map(q).join(", ")})`;
    return `${lhs} IN (${Array.from({ length: rows }, () => tuple).join(", ")})`;
  },
  lock: (name, timeout) => `SELECT GET_LOCK('${name}', ${Math.floor(timeout)}) AS got`,
  unlock: (name) => `SELECT RELEASE_LOCK('${name}') AS released`,
  lockFree: (name) => `SELECT IS_FREE_LOCK('${name}') AS free`,
};
