/**
 * DDL, TypeORM entities and migrations generated from the table specs, for both dialects:
 * MySQL/MariaDB (Aurora) and SQLite (the embedded sql.js option).
 */
import { createHash } from "node:crypto";
import {
  EntitySchema,
  type EntitySchemaColumnOptions,
  type MigrationInterface,
  type QueryRunner,
} from "typeorm";
import { type ColumnKind, TABLE_SPECS, type TableKey, type TableSpec } from "./tables.js";

export type Dialect = "mysql" | "sqlite";
export type TableNames = Record<TableKey, string>;

export function quote(dialect: Dialect, name: string): string {
  return dialect === "mysql" ? `\`${name.replace(/`/g, "``")}\`` : `"${name.replace(/"/g, '""')}"`;
}

function sqlType(dialect: Dialect, kind: ColumnKind, length?: number): string {
  switch (kind) {
    case "id":
      return "VARCHAR(64)";
    case "string":
      return `VARCHAR(${length ?? 255})`;
    case "text":
      return "TEXT";
    case "mediumtext":
      return dialect === "mysql" ? "MEDIUMTEXT" : "TEXT";
    case "datetime":
      return "DATETIME";
    case "boolean":
      return dialect === "mysql" ? "TINYINT(1)" : "BOOLEAN";
    case "int":
      return "INT";
    case "double":
      return dialect === "mysql" ? "DOUBLE" : "REAL";
    case "json":
      return dialect === "mysql" ? "JSON" : "TEXT";
  }
}

/** CREATE TABLE for a spec under the given table name. utf8mb4 + utf8mb4_unicode_ci on MySQL. */
export function createTableSql(dialect: Dialect, spec: TableSpec, table: string, ifNotExists = true): string {
  const q = (n: string) => quote(dialect, n);
  const cols = spec.columns.map(
    (c) => `  ${q(c.name)} ${sqlType(dialect, c.kind, c.length)} ${c.nullable ? "NULL" : "NOT NULL"}`,
  );
  cols.push(`  PRIMARY KEY (${spec.primaryKey.map(q).join(", ")})`);
  const head = `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${q(table)} (\n${cols.join(",\n")}\n)`;
  return dialect === "mysql"
    ? `${head} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`
    : head;
}

function entityColumnType(dialect: Dialect, kind: ColumnKind): EntitySchemaColumnOptions["type"] {
  switch (kind) {
    case "id":
    case "string":
      return "varchar";
    case "text":
      return "text";
    case "mediumtext":
      return dialect === "mysql" ? "mediumtext" : "text";
    case "datetime":
      return "datetime";
    case "boolean":
      return "boolean";
    case "int":
      return "int";
    case "double":
      return dialect === "mysql" ? "double" : "real";
    case "json":
      return dialect === "mysql" ? "json" : "text";
  }
}

/**
 * TypeORM entities (EntitySchema, so table names can differ per sink instance without touching
 * TypeORM's global decorator storage). Every column has an explicit `type`: esbuild/tsx emit no
 * decorator metadata, so nothing may rely on reflected types.
 */
export function buildEntities(dialect: Dialect, names: TableNames): EntitySchema[] {
  return (Object.keys(TABLE_SPECS) as TableKey[]).map((key) => {
    const spec = TABLE_SPECS[key];
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const c of spec.columns) {
      columns[c.name] = {
        name: c.name,
        type: entityColumnType(dialect, c.kind),
        nullable: c.nullable,
        primary: spec.primaryKey.includes(c.name),
        ...(c.kind === "id" ? { length: 64 } : c.kind === "string" ? { length: c.length ?? 255 } : {}),
      };
    }
    return new EntitySchema({ name: spec.entity, tableName: names[key], columns });
  });
}

/** Stable migrations-table name: shared default, or one per custom table mapping. */
export function migrationsTableName(names: TableNames, defaults: TableNames): string {
  const custom = (Object.keys(defaults) as TableKey[]).some((k) => names[k] !== defaults[k]);
  if (!custom) return "sluice_migrations";
  const hash = createHash("sha1").update(JSON.stringify(names)).digest("hex").slice(0, 8);
  return `sluice_migrations_${hash}`;
}

type MigrationClass = new () => MigrationInterface;

/**
 * The package's migrations, bound to a table mapping. Real TypeORM migrations: recorded in the
 * migrations table, run once, `down` reverts. New schema changes get new classes appended here.
 */
export function buildMigrations(names: TableNames): MigrationClass[] {
  const dialectOf = (qr: QueryRunner): Dialect =>
    qr.connection.options.type === "mysql" ? "mysql" : "sqlite";
  class InitialSchema1732400000000 implements MigrationInterface {
    name = "InitialSchema1732400000000";
    async up(qr: QueryRunner): Promise<void> {
      const dialect = dialectOf(qr);
      for (const key of Object.keys(TABLE_SPECS) as TableKey[]) {
        await qr.query(createTableSql(dialect, TABLE_SPECS[key], names[key]));
      }
    }
    async down(qr: QueryRunner): Promise<void> {
      const dialect = dialectOf(qr);
      for (const key of Object.keys(TABLE_SPECS) as TableKey[]) {
        await qr.query(`DROP TABLE IF EXISTS ${quote(dialect, names[key])}`);
      }
    }
  }
  return [InitialSchema1732400000000];
}
