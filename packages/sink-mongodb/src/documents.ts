/** Records → MongoDB documents and bulk operations: `_id` is the record's primary key. */
import { DataError, type JsonObject, TOMBSTONE_FIELD } from "@sluice/core";
import type { AnyBulkWriteOperation, Document } from "mongodb";

export type DocumentId = string | number | boolean | Document;

/** The `_id` for a record: the key value itself, or `{k1, k2}` for a composite key. */
export function documentId(
  record: JsonObject,
  primaryKey: string[],
  stream: string,
  index: number,
): DocumentId {
  const values = primaryKey.map((field) => {
    const v = record[field];
    if (v === undefined || v === null || (typeof v === "object" && !Array.isArray(v))) {
      throw new DataError(`primary key field "${field}" is missing or not a scalar`, {
        stream,
        position: index,
        field,
      });
    }
    return v as string | number | boolean;
  });
  if (values.length === 1) return values[0]!;
  return Object.fromEntries(primaryKey.map((k, i) => [k, values[i]]));
}

export const isTombstone = (record: JsonObject) => record[TOMBSTONE_FIELD] === true;

/** A document as stored: the record's fields with `_id` set from the key. */
export function toDocument(record: JsonObject, id: DocumentId | undefined): Document {
  const { [TOMBSTONE_FIELD]: _drop, ...fields } = record;
  return id === undefined ? { ...fields } : { ...fields, _id: id };
}

/** The upsert (or delete, for a tombstone) of one keyed document. */
export function upsertOp(doc: Document, tombstone: boolean): AnyBulkWriteOperation<Document> {
  if (tombstone) return { deleteOne: { filter: { _id: doc._id } } };
  return { replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } };
}
