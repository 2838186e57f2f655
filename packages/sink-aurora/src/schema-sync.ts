/**
 * Additive schema evolution. A table is created from its definition; a new column is added as
 * nullable (`ALTER TABLE … ADD COLUMN`); a wider type is applied in place (VARCHAR(n) → VARCHAR(m),
 * VARCHAR → TEXT, TEXT → MEDIUMTEXT); anything else is reported and the column keeps its type
 * (values are then checked against it, never truncated). Columns are never dropped or narrowed.
 * Every change is recorded in the migrations table, under a named lock, and re-running is a no-op.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@sluice/core";
import type { Backend, Session } from "./backend.js";
import type { PhysColumn, PhysType, SqlDialect } from "./dialect/index.js";
import type { ColumnDef, TableDef } from "./table-def.js";

/** A table as it really is in the database: each column with its actual storage type. */
export interface LiveTable {
  def: TableDef;
  columns: Array<{ def: ColumnDef; phys: PhysType; nullable: boolean }>;
  names: string[];
  /** Columns the table has but the definition no longer names: kept (never dropped). */
  extra: PhysColumn[];
}

export interface SchemaChange {
  table: string;
  column?: string;
  action: "create_table" | "add_column" | "widen_column" | "type_mismatch";
  from?: string;
  to?: string;
}

type Comparison = "same" | "widen" | "mismatch";

const TEXTUAL = new Set(["text", "json", "varchar"]);

/** How an existing column's type relates to the wanted one. */
export function compareTypes(existing: PhysType, wanted: PhysType): Comparison {
  // An integer column created narrower (INT) is kept: MODIFY to BIGINT copies the whole table,
  // and values are range-checked against the column actually there, so nothing is truncated.
  if (existing.family === "int" && wanted.family === "int") return "same";
  if (existing.family === wanted.family) return wanted.size > existing.size ? "widen" : "same";
  // MariaDB reports JSON as LONGTEXT; text holding JSON is fine.
  if (wanted.family === "json" && existing.family === "text") return "same";
  if (existing.family === "json" && TEXTUAL.has(wanted.family)) return "same";
  if (existing.family === "varchar" && wanted.family === "text") return "widen";
  if (existing.family === "text" && wanted.family === "varchar") return "same";
  if (existing.family === "int" && wanted.family === "bool") return "same";
  if (existing.family === "bool" && wanted.family === "int") return "widen";
  return "mismatch";
}

export function migrationsTableSql(dialect: SqlDialect, table: string): string {
  const t = (sql: string, family: PhysType["family"], size = 0): PhysType => ({ family, size, sql });
  return dialect.createTable(
    table,
    [
      { name: "table_name", type: t("VARCHAR(64)", "varchar", 64), nullable: false },
      { name: "version", type: t("VARCHAR(40)", "varchar", 40), nullable: false },
      { name: "statements", type: t("TEXT", "text", 65_535), nullable: false },
      { name: "applied_at", type: t("DATETIME", "datetime"), nullable: false },
    ],
    ["table_name", "version"],
  );
}

interface SyncContext {
  backend: Backend;
  session: Session;
  migrationsTable: string;
  lockName: string;
  logger: Logger;
}

async function readColumns(s: Session, dialect: SqlDialect, table: string) {
  const q = dialect.columnsQuery(table);
  const rows = await s.query(q.sql, q.params);
  if (rows.length === 0) return undefined;
  return new Map(
    rows.map((r) => [
      String(r.name).toLowerCase(),
      { type: dialect.parseType(String(r.type)), nullable: r.nullable === "YES" },
    ]),
  );
}

/** Plans the statements bringing `def` to the database; `existing` undefined → CREATE TABLE. */
function plan(
  dialect: SqlDialect,
  def: TableDef,
  existing: Map<string, { type: PhysType; nullable: boolean }> | undefined,
) {
  const statements: string[] = [];
  const changes: SchemaChange[] = [];
  const columns: LiveTable["columns"] = [];
  if (!existing) {
    const phys = def.columns.map((c) => ({ name: c.name, type: dialect.typeOf(c), nullable: c.nullable }));
    statements.push(dialect.createTable(def.table, phys, def.key));
    changes.push({ table: def.table, action: "create_table" });
    for (const [i, c] of def.columns.entries())
      columns.push({ def: c, phys: phys[i]!.type, nullable: c.nullable });
    return { statements, changes, columns, extra: [] };
  }
  const named = new Set(def.columns.map((c) => c.name.toLowerCase()));
  const extra = [...existing.entries()]
    .filter(([name]) => !named.has(name))
    .map(([name, e]) => ({ name, type: e.type, nullable: true }));
  for (const c of def.columns) {
    const wanted = dialect.typeOf(c);
    const have = existing.get(c.name.toLowerCase());
    if (!have) {
      statements.push(dialect.addColumn(def.table, { name: c.name, type: wanted, nullable: true }));
      changes.push({ table: def.table, column: c.name, action: "add_column", to: wanted.sql });
      columns.push({ def: c, phys: wanted, nullable: true });
      continue;
    }
    const cmp = compareTypes(have.type, wanted);
    if (cmp === "widen" && dialect.enforcesWidths) {
      const col: PhysColumn = { name: c.name, type: wanted, nullable: have.nullable };
      statements.push(dialect.widenColumn(def.table, col));
      changes.push({
        table: def.table,
        column: c.name,
        action: "widen_column",
        from: have.type.sql,
        to: wanted.sql,
      });
      columns.push({ def: c, phys: wanted, nullable: have.nullable });
      continue;
    }
    if (cmp === "mismatch") {
      changes.push({
        table: def.table,
        column: c.name,
        action: "type_mismatch",
        from: have.type.sql,
        to: wanted.sql,
      });
    }
    // SQLite does not enforce widths: the wanted type is the one to check values against.
    const phys = cmp === "widen" ? wanted : have.type;
    columns.push({ def: c, phys, nullable: have.nullable });
  }
  return { statements, changes, columns, extra };
}

async function record(ctx: SyncContext, table: string, statements: string[]): Promise<void> {
  const d = ctx.backend.dialect;
  const version = createHash("sha1").update(statements.join(";\n")).update(String(Date.now())).digest("hex");
  const head = d.insertHead(
    ctx.migrationsTable,
    ["table_name", "version", "statements", "applied_at"],
    "replace",
  );
  await ctx.session.insertRows(head, "", [
    [
      table,
      version,
      statements.join(";\n").slice(0, 60_000),
      new Date().toISOString().slice(0, 19).replace("T", " "),
    ],
  ]);
}

/**
 * Brings `def` to the database (under the DDL lock) and returns the live table. DDL runs
 * outside any data transaction: MySQL commits DDL implicitly.
 */
export async function syncTable(
  ctx: SyncContext,
  def: TableDef,
): Promise<{ live: LiveTable; changes: SchemaChange[] }> {
  const d = ctx.backend.dialect;
  const { session: s } = ctx;
  const lock = d.lock(ctx.lockName, 60);
  if (lock) {
    const got = await s.query(lock);
    if (Number(got[0]?.got) !== 1) throw new Error(`timed out waiting for the schema lock ${ctx.lockName}`);
  }
  try {
    const p = plan(d, def, await readColumns(s, d, def.table));
    if (p.statements.length > 0) {
      for (const sql of p.statements) await s.query(sql);
      await record(ctx, def.table, p.statements);
    }
    for (const c of p.changes) {
      if (c.action === "type_mismatch")
        ctx.logger.warn({ ...c }, "column type differs from the layout: kept");
      else ctx.logger.info({ ...c }, "schema change applied");
    }
    const live = { def, columns: p.columns, names: p.columns.map((c) => c.def.name), extra: p.extra };
    return { live, changes: p.changes };
  } finally {
    const unlock = d.unlock(ctx.lockName);
    if (unlock) await s.query(unlock).catch(() => undefined);
  }
}

/** The live columns of an existing table, unchanged (for a staging table created LIKE it). */
export function physColumns(live: LiveTable): PhysColumn[] {
  return [
    ...live.columns.map((c) => ({ name: c.def.name, type: c.phys, nullable: c.nullable })),
    ...live.extra,
  ];
}
