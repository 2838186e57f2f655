/**
 * The swap step of replace: every staged table (the parent and the child tables that were
 * filled) takes its live table's place at once. MySQL: one `RENAME TABLE t TO old, stg TO t, …`
 * (atomic; it commits implicitly, so the checkpoint follows it). SQLite: the renames inside
 * one transaction together with the checkpoint. The old tables are dropped afterwards.
 */
import type { Checkpoint } from "@sluice/core";
import type { Backend, Session } from "./backend.js";
import { writeCheckpoint } from "./merge.js";
import type { Staging } from "./staging.js";

export interface SwapResult {
  /** Whether the checkpoint was written in the swap's transaction. */
  checkpointPersisted: boolean;
}

export async function swap(
  backend: Backend,
  s: Session,
  tables: Staging[],
  state: { table: string; key: string; checkpoint: Checkpoint | undefined },
  onSwapped: () => void,
): Promise<SwapResult> {
  const d = backend.dialect;
  const renames = tables.flatMap((t) => [
    { from: t.table, to: t.names.old },
    { from: t.names.staging, to: t.table },
  ]);
  for (const t of tables) await s.query(d.dropTable(t.names.old));
  if (!d.swapInTransaction) {
    for (const sql of d.swap(renames)) await s.query(sql);
    onSwapped();
    if (state.checkpoint !== undefined) await writeCheckpoint(s, d, state.table, state.key, state.checkpoint);
    for (const t of tables) await s.query(d.dropTable(t.names.old));
    return { checkpointPersisted: false };
  }
  await s.query(d.begin());
  try {
    for (const sql of d.swap(renames)) await s.query(sql);
    for (const t of tables) await s.query(d.dropTable(t.names.old));
    if (state.checkpoint !== undefined) await writeCheckpoint(s, d, state.table, state.key, state.checkpoint);
    await s.query("COMMIT");
  } catch (e) {
    await s.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
  onSwapped();
  return { checkpointPersisted: state.checkpoint !== undefined };
}

/** Whether `table` holds at least one row (the empty-replace guard). */
export async function hasRows(backend: Backend, s: Session, table: string): Promise<boolean> {
  const rows = await s.query(`SELECT 1 AS one FROM ${backend.dialect.quote(table)} LIMIT 1`);
  return rows.length > 0;
}
