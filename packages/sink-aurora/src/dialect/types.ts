/**
 * The SQL that differs between databases, behind one object per dialect. The writer, the
 * schema sync and the state store talk to a `SqlDialect`; nothing else branches on the database.
 */
import type { ColumnDef } from "../table-def.js";

/** Storage families a column can have; `size` is chars (varchar), bytes (text, int) or fsp (datetime). */
export type Family = "int" | "double" | "bool" | "varchar" | "text" | "json" | "datetime" | "other";

/** A column type as the database stores it. */
export interface PhysType {
  family: Family;
  size: number;
  /** The type as written in DDL, e.g. `VARCHAR(64)`. */
  sql: string;
}

/** A column as the database has it (read back from its catalog, or to be added). */
export interface PhysColumn {
  name: string;
  type: PhysType;
  nullable: boolean;
}

/** One table rename of an atomic swap: `from` becomes `to`. */
export interface RenamePair {
  from: string;
  to: string;
}

export interface SqlDialect {
  readonly name: "mysql" | "sqlite";
  /** Whether DDL can run inside a transaction (MySQL: no, every DDL commits implicitly). */
  readonly ddlInTransaction: boolean;
  /** Staging loads run inside one transaction per batch (SQLite is far faster that way). */
  readonly loadsInTransaction: boolean;
  /** Whether `widen` can change a column's type in place (SQLite has no enforced widths). */
  readonly enforcesWidths: boolean;
  /** Append/upsert staging uses TEMPORARY tables (gone with the connection after a crash). */
  readonly temporaryStaging: boolean;
  /** Named locks that die with their connection (crash-safe ownership of staging tables). */
  readonly namedLocks: boolean;
  quote(identifier: string): string;
  begin(): string;
  /** Physical type of a logical column. */
  typeOf(column: ColumnDef): PhysType;
  /** Parses a declared type (information_schema / PRAGMA) back into a family and size. */
  parseType(declared: string): PhysType;
  createTable(table: string, columns: PhysColumn[], key: string[], temporary?: boolean): string;
  /** A staging table with the live table's structure. */
  createLike(
    staging: string,
    table: string,
    columns: PhysColumn[],
    key: string[],
    temporary: boolean,
  ): string[];
  dropTable(table: string, temporary?: boolean): string;
  addColumn(table: string, column: PhysColumn): string;
  /** In-place widening; only called when `enforcesWidths`. */
  widenColumn(table: string, column: PhysColumn): string;
  /** Columns of a table: rows with `name`, `type`, `nullable` ("YES"/"NO" or 1/0). */
  columnsQuery(table: string): { sql: string; params: string[] };
  /** Tables whose name starts with `prefix` (rows with `name`). */
  tablesLikeQuery(prefix: string): { sql: string; params: string[] };
  /** `INSERT INTO t (cols)` or the last-row-wins variant (`REPLACE INTO` / `INSERT OR REPLACE INTO`). */
  insertHead(table: string, columns: string[], onDuplicate: "error" | "replace"): string;
  /** Suffix turning an INSERT … VALUES into an upsert on `key`. */
  upsertSuffix(columns: string[], key: string[]): string;
  /** INSERT … SELECT from staging into the table, plain (append) or as an upsert. */
  mergeFromStaging(table: string, staging: string, columns: string[], key: string[], upsert: boolean): string;
  /** Statements of an atomic swap of every pair set (table → old, staging → table). */
  swap(renames: RenamePair[]): string[];
  /** Whether `swap` must run inside a transaction to be atomic (SQLite) or is atomic alone (MySQL). */
  readonly swapInTransaction: boolean;
  /** `WHERE (k1, k2) IN ((?, ?), …)` for `rows` key tuples. */
  keyIn(key: string[], rows: number): string;
  lock(name: string, timeoutSeconds: number): string | undefined;
  unlock(name: string): string | undefined;
  /** Returns one row `{ free: 1 }` when no live connection holds `name`. */
  lockFree(name: string): string | undefined;
}
