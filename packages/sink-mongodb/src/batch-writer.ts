/**
 * Batch delivery: records are staged in a run-private collection; commit makes them visible.
 * replace → indexes on staging, then `renameCollection` with `dropTarget` (readers see the old
 * or the new collection, never a mix). upsert/append → the staged documents are moved into the
 * target with unordered bulk writes (idempotent if the commit is retried), then staging dropped.
 */
import type { CommitContext, CommitReport, JsonObject, SinkWriter, WriteMode } from "@sluice/core";
import { TOMBSTONE_FIELD } from "@sluice/core";
import type { AnyBulkWriteOperation, Db, Document } from "mongodb";
import { documentId, isTombstone, toDocument, upsertOp } from "./documents.js";
import { toSinkError } from "./errors.js";
import type { IndexDeclaration } from "./options.js";
import { createIfMissing, dropQuietly, ensureIndexes, onlyDuplicateKeys, stagingName } from "./targets.js";

export interface WriterTarget {
  db: Db;
  collection: string;
  stream: string;
  primaryKey: string[];
  indexes: IndexDeclaration[];
  batchSize: number;
}

export class BatchWriter implements SinkWriter {
  private readonly staging: string;
  private written = 0;
  private done = false;

  constructor(
    private readonly target: WriterTarget,
    private readonly mode: WriteMode,
    runId: string,
  ) {
    this.staging = stagingName(target.collection, runId);
  }

  private get keyed(): boolean {
    return this.mode !== "append" && this.target.primaryKey.length > 0;
  }

  async write(records: JsonObject[]): Promise<void> {
    if (records.length === 0) return;
    const staging = this.target.db.collection(this.staging);
    const { stream, primaryKey } = this.target;
    try {
      if (!this.keyed) {
        await staging.insertMany(
          records.map((r) => toDocument(r, undefined)),
          { ordered: false },
        );
      } else {
        // ordered, so the last version of a key written in this run wins
        const ops = records.map((r, i): AnyBulkWriteOperation<Document> => {
          const doc = toDocument(r, documentId(r, primaryKey, stream, this.written + i));
          if (isTombstone(r) && this.mode === "upsert") doc[TOMBSTONE_FIELD] = true;
          if (isTombstone(r) && this.mode === "replace") return { deleteOne: { filter: { _id: doc._id } } };
          return { replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } };
        });
        await staging.bulkWrite(ops, { ordered: true });
      }
    } catch (error) {
      throw toSinkError(error, `staging ${records.length} records of ${stream}`);
    }
    this.written += records.length;
  }

  async commit(_ctx: CommitContext): Promise<CommitReport> {
    const { db, collection, indexes } = this.target;
    try {
      if (this.mode === "replace") {
        await createIfMissing(db, this.staging);
        await ensureIndexes(db.collection(this.staging), indexes);
        await db.renameCollection(this.staging, collection, { dropTarget: true });
      } else {
        await ensureIndexes(db.collection(collection), indexes);
        await this.moveStaged();
        await dropQuietly(db, this.staging);
      }
    } catch (error) {
      throw toSinkError(error, `committing ${this.target.stream} into ${collection}`);
    }
    this.done = true;
    return { records: this.written, location: `${db.databaseName}.${collection}` };
  }

  /** Copies staged documents into the target in unordered bulk writes of `batchSize`. */
  private async moveStaged(): Promise<void> {
    const { db, collection, batchSize } = this.target;
    const target = db.collection(collection);
    const cursor = db.collection(this.staging).find({}, { batchSize });
    let ops: AnyBulkWriteOperation<Document>[] = [];
    const flush = async () => {
      if (ops.length === 0) return;
      const batch = ops;
      ops = [];
      try {
        await target.bulkWrite(batch, { ordered: false });
      } catch (error) {
        if (!(this.mode === "append" && onlyDuplicateKeys(error))) throw error;
      }
    };
    for await (const doc of cursor) {
      const tombstone = doc[TOMBSTONE_FIELD] === true;
      delete doc[TOMBSTONE_FIELD];
      ops.push(this.mode === "append" ? { insertOne: { document: doc } } : upsertOp(doc, tombstone));
      if (ops.length >= batchSize) await flush();
    }
    await flush();
  }

  async abort(_reason: unknown): Promise<void> {
    if (this.done) return;
    try {
      await dropQuietly(this.target.db, this.staging);
    } catch (error) {
      throw toSinkError(error, `dropping the staging collection of ${this.target.stream}`);
    }
  }
}
