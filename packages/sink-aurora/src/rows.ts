/**
 * Records → rows: every record becomes one row of the main table and one row per item of each
 * child array, as canonical cells checked against the live column types. Tombstones (upsert)
 * become keys to delete; parents whose children are rewritten are tracked by key.
 */
import { DataError, type JsonObject, TOMBSTONE_FIELD, type WriteMode } from "@sluice/core";
import { type Cell, FieldError, rowBytes, rowBytesExact, toCell } from "./cells.js";
import { isObject } from "./paths.js";
import type { LiveTable } from "./schema-sync.js";
import type { ChildDef } from "./table-def.js";

export interface TableBuffer {
  live: LiveTable;
  /** Set for a child table. */
  child?: ChildDef;
  rows: Cell[][];
  bytes: number;
  /** Rows produced since the writer's last commit. */
  produced: number;
  /** Child tables: whether any record carried the array (only then is the table touched). */
  seen: boolean;
  /** Child tables in upsert: parent keys (as child parent-key cells) whose rows are replaced. */
  parents: Map<string, Cell[]>;
}

export interface RowOptions {
  stream: string;
  mode: WriteMode;
  /** Largest row the server accepts (`max_allowed_packet` less headroom). */
  maxRowBytes: number;
  syncedAt: string;
}

const buffer = (live: LiveTable, child?: ChildDef): TableBuffer => ({
  live,
  ...(child ? { child } : {}),
  rows: [],
  bytes: 0,
  produced: 0,
  seen: false,
  parents: new Map(),
});

/** Best-effort id of a record for error messages (ids only, never personal values). */
export function recordId(record: unknown, key: string[]): string | undefined {
  if (!isObject(record)) return undefined;
  const parts = (key.length > 0 ? key : ["id"]).map((k) => record[k]);
  if (parts.some((p) => typeof p !== "string" && typeof p !== "number")) return undefined;
  return parts.map(String).join("/").slice(0, 80);
}

export class RowCollector {
  readonly main: TableBuffer;
  readonly children: TableBuffer[];
  records = 0;
  bytes = 0;
  skippedTombstones = 0;
  /** Upsert: keys (main-table key cells) to delete at commit, last record wins. */
  readonly tombstones = new Map<string, Cell[]>();
  private readonly keyIdx: number[];

  constructor(
    private readonly opts: RowOptions,
    main: LiveTable,
    children: Array<{ live: LiveTable; def: ChildDef }>,
  ) {
    this.main = buffer(main);
    this.children = children.map((c) => buffer(c.live, c.def));
    this.keyIdx = main.def.key.map((k) => main.names.indexOf(k));
  }

  get tables(): TableBuffer[] {
    return [this.main, ...this.children];
  }

  /** Converts `records` (positions counted from the writer's first record). Throws DataError. */
  add(records: JsonObject[], firstPosition: number): void {
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as unknown;
      const position = firstPosition + i;
      if (!isObject(record)) {
        throw new DataError(`${this.opts.stream} record is not an object`, {
          stream: this.opts.stream,
          position,
        });
      }
      if (record[TOMBSTONE_FIELD] === true) this.tombstone(record, position);
      else this.upsertRow(record, position);
    }
    this.records += records.length;
  }

  private upsertRow(record: JsonObject, position: number): void {
    const row = this.row(this.main, record, undefined, position);
    if (this.tombstones.size > 0) this.tombstones.delete(JSON.stringify(this.keyIdx.map((k) => row[k])));
    this.push(this.main, row);
    for (const c of this.children) {
      const items = c.child!.items(record);
      if (items === undefined) continue;
      c.seen = true;
      if (this.opts.mode === "upsert") this.markParent(c, record, position);
      for (let idx = 0; idx < items.length; idx++) {
        const item = items[idx];
        if (!isObject(item)) {
          throw new DataError(`${c.live.def.table} item ${idx} is not an object`, {
            stream: this.opts.stream,
            position,
            recordId: recordId(record, this.main.live.def.key),
          });
        }
        this.push(c, this.row(c, item, record, position, idx));
      }
    }
  }

  private tombstone(record: JsonObject, position: number): void {
    if (this.opts.mode !== "upsert") {
      this.skippedTombstones++;
      return;
    }
    const key = this.keyIdx.map((k) => {
      const col = this.main.live.columns[k]!;
      return this.cell(col, record, undefined, position, undefined);
    });
    this.tombstones.set(JSON.stringify(key), key);
    for (const c of this.children) {
      c.seen = true;
      this.markParent(c, record, position);
    }
  }

  private markParent(c: TableBuffer, record: JsonObject, position: number): void {
    const child = c.child!;
    const values = child.parentKeyOf(record);
    const cells = child.parentKey.map((name, j) => {
      const col = c.live.columns[c.live.names.indexOf(name)]!;
      return this.cell(col, { [name]: values[j] as never }, undefined, position, undefined, name);
    });
    c.parents.set(JSON.stringify(cells), cells);
  }

  private cell(
    col: LiveTable["columns"][number],
    record: JsonObject,
    parent: JsonObject | undefined,
    position: number,
    index: number | undefined,
    literal?: string,
  ): Cell {
    try {
      const v = col.def.syncedAt
        ? this.opts.syncedAt
        : literal
          ? record[literal]
          : col.def.get(record, parent, index);
      const cell = toCell(col.def, col.phys, v);
      if (cell === null && !col.nullable) throw new FieldError(col.def.name, `missing ${col.def.name}`);
      return cell;
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const owner = parent ?? record;
      throw new DataError(
        `cannot store ${this.opts.stream} record: ${e.message}`,
        {
          stream: this.opts.stream,
          position,
          recordId: recordId(owner, this.main.live.def.key),
          field: parent ? `${col.def.name} (item ${index ?? "?"})` : e.field,
        },
        { cause: e },
      );
    }
  }

  private row(
    t: TableBuffer,
    record: JsonObject,
    parent: JsonObject | undefined,
    position: number,
    index?: number,
  ) {
    const cols = t.live.columns;
    const row = new Array<Cell>(cols.length);
    for (let j = 0; j < cols.length; j++) row[j] = this.cell(cols[j]!, record, parent, position, index);
    const n = rowBytes(row);
    if (n > this.opts.maxRowBytes * 0.9 && rowBytesExact(row) > this.opts.maxRowBytes) {
      throw new DataError(
        `${this.opts.stream} record is larger than the server accepts (max_allowed_packet ${this.opts.maxRowBytes} bytes)`,
        { stream: this.opts.stream, position, recordId: recordId(parent ?? record, this.main.live.def.key) },
      );
    }
    return row;
  }

  private push(t: TableBuffer, row: Cell[]): void {
    t.rows.push(row);
    t.produced++;
    const n = rowBytes(row);
    t.bytes += n;
    this.bytes += n;
  }

  /** Whether a buffer reached a batch limit. */
  full(rows: number, bytes: number): boolean {
    return this.tables.some((t) => t.rows.length >= rows || t.bytes >= bytes);
  }

  /** Takes the buffered rows of every table. */
  drainRows(): Array<{ t: TableBuffer; rows: Cell[][] }> {
    return this.tables.map((t) => {
      const rows = t.rows;
      t.rows = [];
      t.bytes = 0;
      return { t, rows };
    });
  }

  /** Forgets everything since the last commit (continuous writers reuse the collector). */
  reset(): void {
    this.records = 0;
    this.bytes = 0;
    this.skippedTombstones = 0;
    this.tombstones.clear();
    for (const t of this.tables) {
      t.rows = [];
      t.bytes = 0;
      t.produced = 0;
      t.seen = false;
      t.parents.clear();
    }
  }
}
