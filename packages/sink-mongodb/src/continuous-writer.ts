/**
 * Continuous delivery: a long-lived writer. Each micro-batch is held in memory (the runner
 * bounds it) and its commit is one unordered `bulkWrite`: upserts by `_id` (so a redelivered
 * message overwrites itself, never duplicates), deletes for tombstones, inserts in append mode.
 */
import type { CommitContext, CommitReport, JsonObject, SinkWriter, WriteMode } from "@sluice/core";
import type { AnyBulkWriteOperation, Document } from "mongodb";
import type { WriterTarget } from "./batch-writer.js";
import { documentId, isTombstone, toDocument, upsertOp } from "./documents.js";
import { toSinkError } from "./errors.js";
import { ensureIndexes, onlyDuplicateKeys } from "./targets.js";

export class ContinuousWriter implements SinkWriter {
  /** Upsert mode: last version per key (unordered bulk writes must not hold one key twice). */
  private readonly byKey = new Map<string, AnyBulkWriteOperation<Document>>();
  private appended: AnyBulkWriteOperation<Document>[] = [];
  private staged = 0;
  private indexesReady = false;

  constructor(
    private readonly target: WriterTarget,
    private readonly mode: WriteMode,
  ) {}

  async write(records: JsonObject[]): Promise<void> {
    const { stream, primaryKey } = this.target;
    for (const [i, r] of records.entries()) {
      if (this.mode === "append") {
        this.appended.push({ insertOne: { document: toDocument(r, undefined) } });
        continue;
      }
      const id = documentId(r, primaryKey, stream, this.staged + i);
      this.byKey.set(JSON.stringify(id), upsertOp(toDocument(r, id), isTombstone(r)));
    }
    this.staged += records.length;
  }

  async commit(_ctx: CommitContext): Promise<CommitReport> {
    const { db, collection, stream } = this.target;
    const ops = this.mode === "append" ? this.appended : [...this.byKey.values()];
    const records = this.staged;
    try {
      if (!this.indexesReady) {
        await ensureIndexes(db.collection(collection), this.target.indexes);
        this.indexesReady = true;
      }
      if (ops.length > 0) await db.collection(collection).bulkWrite(ops, { ordered: false });
    } catch (error) {
      // append retried after a partial commit: the driver kept the _ids it assigned, so the
      // documents already written answer duplicate key and the rest went in
      if (this.mode === "append" && onlyDuplicateKeys(error)) return this.committed(records);
      // the micro-batch stays staged: a retried commit sends the same idempotent operations
      throw toSinkError(error, `committing ${records} records of ${stream} into ${collection}`);
    }
    return this.committed(records);
  }

  private committed(records: number): CommitReport {
    this.clear();
    return { records, location: `${this.target.db.databaseName}.${this.target.collection}` };
  }

  async abort(_reason: unknown): Promise<void> {
    this.clear();
  }

  async close(): Promise<void> {
    this.clear();
  }

  private clear(): void {
    this.byKey.clear();
    this.appended = [];
    this.staged = 0;
  }
}
