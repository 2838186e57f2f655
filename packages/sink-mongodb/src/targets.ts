/** Collection-level helpers shared by both writers: indexes, staging names, quiet drops. */
import type { Collection, Db, Document } from "mongodb";
import { MongoServerError } from "mongodb";
import type { IndexDeclaration } from "./options.js";

/** Creates the declared indexes (idempotent: an existing identical index is a no-op). */
export async function ensureIndexes(
  collection: Collection<Document>,
  indexes: IndexDeclaration[],
): Promise<void> {
  if (indexes.length === 0) return;
  await collection.createIndexes(
    indexes.map((i) => ({
      key: i.key,
      ...(i.name ? { name: i.name } : {}),
      ...(i.unique !== undefined ? { unique: i.unique } : {}),
      ...(i.sparse !== undefined ? { sparse: i.sparse } : {}),
      ...(i.expireAfterSeconds !== undefined ? { expireAfterSeconds: i.expireAfterSeconds } : {}),
    })),
  );
}

/** A staging collection name unique to the run. */
export function stagingName(collection: string, runId: string): string {
  return `_sluice_staging_${collection}_${runId.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 200);
}

/** Drops a collection; a missing one is fine (drop is the undo of staging). */
export async function dropQuietly(db: Db, name: string): Promise<void> {
  try {
    await db.collection(name).drop();
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === 26)) throw error;
  }
}

/** Creates a collection if it does not exist (so an empty replace still swaps). */
export async function createIfMissing(db: Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === 48)) throw error;
  }
}

/** True for a bulk error made only of duplicate-key write errors (append retried after a partial commit). */
export function onlyDuplicateKeys(error: unknown): boolean {
  const e = error as { code?: unknown; writeErrors?: { code?: number }[] | { code?: number } };
  if (e?.code !== 11000) return false;
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
  return list.every((w) => w.code === 11000);
}
