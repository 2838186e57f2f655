/**
 * The SQL the simulator understands (GoogleSQL, a deliberately small subset):
 * - `SELECT COUNT(*) [AS n] FROM t`
 * - `SELECT * | col, col... FROM t [ORDER BY col [ASC|DESC]] [LIMIT n]`
 * - the staging MERGE the BigQuery sink emits:
 *   `MERGE t T USING (SELECT * FROM s WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY k... ORDER BY c DESC) = 1) S
 *    ON T.k = S.k [AND ...] [WHEN MATCHED AND S.c IS TRUE THEN DELETE]
 *    WHEN MATCHED THEN UPDATE SET c = S.c, ... WHEN NOT MATCHED [AND ...] THEN INSERT (c, ...) VALUES (S.c, ...)`
 * - `DROP TABLE [IF EXISTS] t`
 * Table names: `project.dataset.table` or `dataset.table`, backticked or not.
 * Anything else fails with `invalidQuery`, as an unsupported statement would.
 */
import { ApiError } from "./errors.js";
import type { FieldSchema, Stored, StoredRow } from "./schema.js";
import type { Store, Table } from "./store.js";

export type QueryResult =
  | { kind: "rows"; schema: FieldSchema[]; rows: StoredRow[] }
  | { kind: "dml"; affected: number; inserted: number; updated: number; deleted: number };

const invalidQuery = (message: string) => new ApiError(400, "invalidQuery", message);
const unquote = (s: string) => s.replace(/`/g, "");

function tableRef(store: Store, ref: string, defaultProject: string): Table {
  const parts = unquote(ref).split(".");
  const [p, d, t] = parts.length === 3 ? parts : [defaultProject, ...parts];
  if (!d || !t)
    throw invalidQuery(`Table name "${unquote(ref)}" missing dataset while no default dataset is set`);
  const table = store.findTable(p!, d, t);
  if (!table) throw new ApiError(404, "notFound", `Not found: Table ${p}:${d}.${t}`);
  return table;
}

export function runQuery(store: Store, sql: string, defaultProject: string): QueryResult {
  const q = sql.replace(/\s+/g, " ").trim().replace(/;$/, "");
  let m = /^SELECT COUNT\(\*\)(?: AS (\w+))? FROM (\S+)$/i.exec(q);
  if (m) {
    const t = tableRef(store, m[2]!, defaultProject);
    return {
      kind: "rows",
      schema: [{ name: m[1] ?? "f0_", type: "INTEGER", mode: "NULLABLE" }],
      rows: [{ [m[1] ?? "f0_"]: String(t.rows.length) }],
    };
  }
  m = /^SELECT (.+?) FROM (\S+)(?: ORDER BY `?(\w+)`?(?: (ASC|DESC))?)?(?: LIMIT (\d+))?$/i.exec(q);
  if (m) return select(tableRef(store, m[2]!, defaultProject), m[1]!, m[3], m[4], m[5]);
  m = /^DROP TABLE (IF EXISTS )?(\S+)$/i.exec(q);
  if (m) {
    const parts = unquote(m[2]!).split(".");
    const [p, d, t] = parts.length === 3 ? parts : [defaultProject, ...parts];
    if (store.findTable(p!, d!, t!)) store.deleteTable(p!, d!, t!);
    else if (!m[1]) throw new ApiError(404, "notFound", `Not found: Table ${p}:${d}.${t}`);
    return { kind: "dml", affected: 0, inserted: 0, updated: 0, deleted: 0 };
  }
  if (/^MERGE /i.test(q)) return merge(store, q, defaultProject);
  throw invalidQuery(
    `Syntax error: the BigQuery simulator does not support this statement: ${q.slice(0, 60)}`,
  );
}

function select(t: Table, list: string, orderBy?: string, dir?: string, limit?: string): QueryResult {
  const names =
    list.trim() === "*" ? t.schema.map((f) => f.name) : list.split(",").map((c) => unquote(c.trim()));
  const fields = names.map((n) => {
    const f = t.schema.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (!f) throw invalidQuery(`Unrecognized name: ${n}`);
    return f;
  });
  let rows = [...t.rows];
  if (orderBy) {
    const f = t.schema.find((x) => x.name.toLowerCase() === orderBy.toLowerCase());
    if (!f) throw invalidQuery(`Unrecognized name: ${orderBy}`);
    const sign = dir?.toUpperCase() === "DESC" ? -1 : 1;
    rows.sort((a, b) => sign * compare(a[f.name] ?? null, b[f.name] ?? null, f.type));
  }
  if (limit !== undefined) rows = rows.slice(0, Number(limit));
  return {
    kind: "rows",
    schema: fields,
    rows: rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, r[f.name] ?? null]))),
  };
}

function compare(a: Stored, b: Stored, type: string): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (/^INT/i.test(type)) {
    const x = BigInt(a as string);
    const y = BigInt(b as string);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const MERGE_RE =
  /^MERGE (\S+) T USING \(SELECT \* FROM (\S+) WHERE TRUE QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY (.+?) ORDER BY (\S+) (ASC|DESC)\) = 1\) S ON (.+?)(?: WHEN MATCHED AND S\.(\S+) IS TRUE THEN DELETE)? WHEN MATCHED THEN UPDATE SET (.+?) WHEN NOT MATCHED(?: AND S\.\S+ IS NOT TRUE)? THEN INSERT \((.+?)\) VALUES \((.+?)\)$/i;

const cols = (list: string) => list.split(",").map((c) => unquote(c.trim().replace(/^[ST]\./, "")));

/** The sink's upsert MERGE: dedupe the staging rows by key (highest order column wins), then update or insert. */
function merge(store: Store, q: string, defaultProject: string): QueryResult {
  const m = MERGE_RE.exec(q);
  if (!m)
    throw invalidQuery(
      "Syntax error: unsupported MERGE shape (the simulator runs the sink's staging MERGE only)",
    );
  const target = tableRef(store, m[1]!, defaultProject);
  const stage = tableRef(store, m[2]!, defaultProject);
  const keys = cols(m[3]!);
  const orderCol = unquote(m[4]!);
  const deleteCol = m[7] ? unquote(m[7]) : undefined;
  const setCols = m[8]!.split(",").map((pair) => unquote(pair.split("=")[0]!.trim()));
  const insertCols = cols(m[9]!);
  for (const c of [...setCols, ...insertCols]) {
    if (!target.schema.some((f) => f.name === c))
      throw invalidQuery(`Unrecognized name: ${c} in target table`);
  }
  const keyOf = (r: StoredRow) => JSON.stringify(keys.map((k) => r[k] ?? null));
  const latest = new Map<string, StoredRow>();
  const sign = m[5]!.toUpperCase() === "DESC" ? 1 : -1;
  for (const r of stage.rows) {
    const k = keyOf(r);
    const prev = latest.get(k);
    const orderType = stage.schema.find((f) => f.name === orderCol)?.type ?? "STRING";
    if (!prev || sign * compare(r[orderCol] ?? null, prev[orderCol] ?? null, orderType) > 0) latest.set(k, r);
  }
  let updated = 0;
  let deleted = 0;
  const next: StoredRow[] = [];
  for (const row of target.rows) {
    const hasNullKey = keys.some((k) => row[k] === null || row[k] === undefined);
    const s = hasNullKey ? undefined : latest.get(keyOf(row));
    if (!s) {
      next.push(row);
      continue;
    }
    latest.delete(keyOf(row));
    if (deleteCol && s[deleteCol] === true) {
      deleted++;
      continue;
    }
    updated++;
    next.push({ ...row, ...Object.fromEntries(setCols.map((c) => [c, s[c] ?? null])) });
  }
  let inserted = 0;
  for (const s of latest.values()) {
    if (deleteCol && s[deleteCol] === true) continue;
    const row: StoredRow = Object.fromEntries(
      target.schema.map((f) => [f.name, f.mode === "REPEATED" ? [] : null]),
    );
    for (const c of insertCols) row[c] = s[c] ?? null;
    next.push(row);
    inserted++;
  }
  store.swap(target, next);
  return { kind: "dml", affected: inserted + updated + deleted, inserted, updated, deleted };
}
