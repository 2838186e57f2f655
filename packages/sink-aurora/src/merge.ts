/**
 * The merge step of append and upsert, and the checkpoint write, run inside the caller's
 * transaction, in this order: (1) delete the child rows of parents being rewritten or deleted,
 * (2) the parent rows, (3) the child rows, (4) delete tombstoned parents. Rows come from a
 * staging table (batch delivery) or straight from memory (continuous delivery).
 */
import type { Checkpoint } from "@sluice/core";
import type { Session } from "./backend.js";
import type { Cell } from "./cells.js";
import type { SqlDialect } from "./dialect/index.js";
import type { TableBuffer } from "./rows.js";

/** Key tuples per DELETE statement. */
const KEYS_PER_DELETE = 500;

async function deleteByKeys(s: Session, d: SqlDialect, table: string, key: string[], keys: Cell[][]) {
  for (let i = 0; i < keys.length; i += KEYS_PER_DELETE) {
    const part = keys.slice(i, i + KEYS_PER_DELETE);
    await s.query(`DELETE FROM ${d.quote(table)} WHERE ${d.keyIn(key, part.length)}`, part.flat());
  }
}

export type RowSource =
  | { kind: "staging"; stagingOf(t: TableBuffer): string | undefined }
  | { kind: "rows"; rowsOf(t: TableBuffer): Cell[][] };

export interface MergeInput {
  main: TableBuffer;
  children: TableBuffer[];
  tombstones: Cell[][];
  upsert: boolean;
}

async function writeRows(s: Session, d: SqlDialect, t: TableBuffer, source: RowSource, upsert: boolean) {
  const { def, names } = t.live;
  const doUpsert = upsert && def.key.length > 0;
  if (source.kind === "staging") {
    const staging = source.stagingOf(t);
    if (staging) await s.query(d.mergeFromStaging(def.table, staging, names, def.key, doUpsert));
    return;
  }
  const rows = source.rowsOf(t);
  if (rows.length === 0) return;
  const suffix = doUpsert ? d.upsertSuffix(names, def.key) : "";
  await s.insertRows(d.insertHead(def.table, names, "error"), suffix, rows);
}

/** Steps (1)–(4); the caller owns the transaction. */
export async function merge(s: Session, d: SqlDialect, input: MergeInput, source: RowSource): Promise<void> {
  for (const c of input.children) {
    if (input.upsert && c.parents.size > 0) {
      await deleteByKeys(s, d, c.live.def.table, c.child!.parentKey, [...c.parents.values()]);
    }
  }
  await writeRows(s, d, input.main, source, input.upsert);
  for (const c of input.children) if (c.seen) await writeRows(s, d, c, source, input.upsert);
  if (input.tombstones.length > 0) {
    await deleteByKeys(s, d, input.main.live.def.table, input.main.live.def.key, input.tombstones);
  }
}

/** The checkpoint row, upserted into the state table (in the data's transaction when there is one). */
export async function writeCheckpoint(
  s: Session,
  d: SqlDialect,
  stateTable: string,
  key: string,
  checkpoint: Checkpoint,
): Promise<void> {
  const cols = ["state_key", "checkpoint", "updated_at"];
  const now = new Date().toISOString().slice(0, 19).replace("T", " ");
  await s.insertRows(d.insertHead(stateTable, cols, "error"), d.upsertSuffix(cols, ["state_key"]), [
    [key, JSON.stringify(checkpoint), now],
  ]);
}
