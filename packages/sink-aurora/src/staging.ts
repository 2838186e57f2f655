/**
 * Staging tables: where a batch is loaded before its commit. Names carry the run's start time
 * and run id (`<table>__stg_<time><run>`); on MySQL the writer holds a named lock for each one
 * while it lives, so a later run can tell a crashed run's leftovers (lock free) from a live
 * run's tables (lock held) and sweep only the former. SQLite (one process) sweeps by age.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@sluice/core";
import type { Backend, Session } from "./backend.js";
import type { Cell } from "./cells.js";
import type { TableBuffer } from "./rows.js";
import { physColumns } from "./schema-sync.js";

const SUFFIX = /__(stg|old)_([0-9a-z]{7})([0-9a-f]{6})$/;

export interface StagingNames {
  staging: string;
  old: string;
  lock: string;
}

/** Staging/old names of `table` for one run; the suffix is 19 characters. */
export function stagingNames(table: string, runId: string, startedAt: Date, scope: string): StagingNames {
  const time = Math.floor(startedAt.getTime() / 1000)
    .toString(36)
    .padStart(7, "0")
    .slice(-7);
  const run = createHash("sha1").update(`${runId}:${table}`).digest("hex").slice(0, 6);
  const staging = `${table}__stg_${time}${run}`;
  return { staging, old: `${table}__old_${time}${run}`, lock: lockName(scope, staging) };
}

function lockName(scope: string, staging: string): string {
  const base = staging.replace(/__old_/, "__stg_");
  return `sluice_stg_${createHash("sha1").update(`${scope}.${base}`).digest("hex").slice(0, 40)}`;
}

export interface SweepOptions {
  backend: Backend;
  session: Session;
  scope: string;
  /** Staging tables of a run that started longer ago than this are stale (SQLite). */
  staleAfterMs: number;
  /** Staging tables this process is using right now: never swept. */
  active: ReadonlySet<string>;
  logger: Logger;
  now?: number;
}

/**
 * Drops this sink's stale staging (and old) tables of `table` left by a crashed run. MySQL:
 * those whose lock no live connection holds; SQLite: those older than `staleAfterMs`.
 * Returns the tables dropped.
 */
export async function sweepStaging(table: string, o: SweepOptions): Promise<string[]> {
  const d = o.backend.dialect;
  const dropped: string[] = [];
  for (const kind of ["__stg_", "__old_"]) {
    const q = d.tablesLikeQuery(`${table}${kind}`);
    for (const row of await o.session.query(q.sql, q.params)) {
      const name = String(row.name);
      const m = SUFFIX.exec(name);
      if (!m || name.slice(0, m.index) !== table || o.active.has(name.replace("__old_", "__stg_"))) continue;
      const free = d.lockFree(lockName(o.scope, name));
      let stale: boolean;
      if (free) stale = Number((await o.session.query(free))[0]?.free) === 1;
      else stale = (o.now ?? Date.now()) - Number.parseInt(m[2]!, 36) * 1000 > o.staleAfterMs;
      if (!stale) continue;
      await o.session.query(d.dropTable(name));
      dropped.push(name);
    }
  }
  if (dropped.length > 0) o.logger.warn({ tables: dropped }, "dropped stale staging tables of a crashed run");
  return dropped;
}

/** One table's staging: created on first use, loaded batch by batch, dropped at the end. */
export class Staging {
  created = false;
  constructor(
    readonly buffer: TableBuffer,
    readonly names: StagingNames,
    private readonly temporary: boolean,
  ) {}

  get table(): string {
    return this.buffer.live.def.table;
  }

  async create(backend: Backend, s: Session): Promise<void> {
    if (this.created) return;
    const d = backend.dialect;
    const lock = this.temporary ? undefined : d.lock(this.names.lock, 0);
    if (lock) await s.query(lock);
    const live = this.buffer.live;
    for (const sql of d.createLike(
      this.names.staging,
      this.table,
      physColumns(live),
      live.def.key,
      this.temporary,
    )) {
      await s.query(sql);
    }
    this.created = true;
  }

  async load(backend: Backend, s: Session, rows: Cell[][], method: "insert" | "load-data"): Promise<void> {
    if (rows.length === 0) return;
    const names = this.buffer.live.names;
    if (method === "load-data" && s.loadRows) await s.loadRows(this.names.staging, names, rows);
    else await s.insertRows(backend.dialect.insertHead(this.names.staging, names, "replace"), "", rows);
  }

  async count(backend: Backend, s: Session): Promise<number> {
    const rows = await s.query(`SELECT COUNT(*) AS n FROM ${backend.dialect.quote(this.names.staging)}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Drops the staging and old tables and releases the lock. Never throws. */
  async drop(backend: Backend, s: Session, logger: Logger): Promise<void> {
    const d = backend.dialect;
    const names = this.temporary ? [this.names.staging] : [this.names.staging, this.names.old];
    for (const name of names) {
      await s.query(d.dropTable(name, this.temporary)).catch((e: unknown) => {
        logger.warn({ err: e, table: name }, "could not drop staging table");
      });
    }
    const unlock = this.temporary ? undefined : d.unlock(this.names.lock);
    if (unlock) await s.query(unlock).catch(() => undefined);
    this.created = false;
  }
}
