/** What a writer needs from the sink: its connection, its tables, its limits. */
import {
  type CommitReport,
  DataError,
  type Logger,
  type OpenOptions,
  SinkError,
  SluiceError,
  type WriteMode,
} from "@sluice/core";
import type { Backend, Session } from "./backend.js";
import { errorCode, mapDbError } from "./db-errors.js";
import { RowCollector } from "./rows.js";
import type { LiveTable, SchemaChange } from "./schema-sync.js";
import type { ChildDef } from "./table-def.js";

export type LoadMethod = "insert" | "load-data";

export interface WriterContext {
  backend: Backend;
  session: Session;
  stream: string;
  main: LiveTable;
  children: Array<{ live: LiveTable; def: ChildDef }>;
  options: OpenOptions;
  batchRows: number;
  batchBytes: number;
  allowEmptyReplace: boolean;
  stateTable: string;
  /** Lock-name scope: the database. */
  scope: string;
  method: LoadMethod;
  /** `mysql host:port/db` or `sqlite file`, for messages. */
  where: string;
  location(table: string): string;
  /** Staging tables in use by this process (never swept). */
  active: Set<string>;
  changes: SchemaChange[];
  logger: Logger;
}

export function collectorFor(ctx: WriterContext): RowCollector {
  return new RowCollector(
    {
      stream: ctx.stream,
      mode: ctx.options.mode,
      maxRowBytes: ctx.backend.maxPacketBytes - 1024,
      syncedAt: new Date().toISOString(),
    },
    ctx.main,
    ctx.children,
  );
}

/** A driver error as a SluiceError naming the action and stream. */
export function failure(ctx: WriterContext, e: unknown, action: string, mode: WriteMode): SluiceError {
  if (e instanceof SluiceError) return e;
  if (errorCode(e) === "ER_DUP_ENTRY" || /UNIQUE constraint failed/.test(String((e as Error)?.message))) {
    if (mode === "append") {
      return new DataError(
        `duplicate primary key while appending to ${ctx.main.def.table}: use upsert mode`,
        { stream: ctx.stream },
        { cause: e },
      );
    }
  }
  return mapDbError(e, `${action} (${ctx.stream})`, ctx.where);
}

export function closedError(ctx: WriterContext, state: string): SinkError {
  return new SinkError(`writer for ${ctx.stream} is ${state}`);
}

/** The commit report: `rows` are distinct rows landed; fewer than the records means duplicates. */
export function report(
  ctx: WriterContext,
  c: RowCollector,
  rows: number,
  extra: { checkpointPersisted: boolean; tables: string[] },
): CommitReport {
  const landed = c.main.produced;
  const duplicates = Math.max(0, landed - rows);
  if (duplicates > 0) {
    ctx.logger.warn(
      { stream: ctx.stream, records: c.records, rows, duplicates },
      "records repeated a primary key: the last one won",
    );
  }
  const children = Object.fromEntries(
    c.children.filter((t) => t.seen).map((t) => [t.live.def.table, t.produced]),
  );
  return {
    records: c.records,
    bytes: c.bytes,
    location: extra.tables.map((t) => ctx.location(t)).join(","),
    checkpointPersisted: extra.checkpointPersisted,
    details: {
      mode: ctx.options.mode,
      loadMethod: ctx.method,
      table: ctx.main.def.table,
      rows,
      ...(duplicates > 0 ? { duplicates } : {}),
      ...(c.tombstones.size > 0 ? { deleted: c.tombstones.size } : {}),
      ...(c.skippedTombstones > 0 ? { tombstonesSkipped: c.skippedTombstones } : {}),
      ...(Object.keys(children).length > 0 ? { children } : {}),
      ...(ctx.changes.length > 0 ? { schemaChanges: ctx.changes.map((ch) => ({ ...ch })) } : {}),
    },
  };
}

export type { Session };
