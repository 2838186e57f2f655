/**
 * In-memory databases: collections of BSON-decoded documents, in insertion order, indexed by
 * `_id` (the only unique index enforced), plus the index specs clients declared.
 */
import { type Document, EJSON, ObjectId } from "bson";
import { Query } from "mingo";

export interface IndexSpec {
  v: number;
  key: Document;
  name: string;
  unique?: boolean;
  [option: string]: unknown;
}

/** A stable map key for an `_id` value (strings fast, everything else canonical EJSON). */
export function idKey(id: unknown): string {
  if (typeof id === "string") return `s${id}`;
  return `e${EJSON.stringify({ v: id } as Document, { relaxed: false })}`;
}

/** True for a value that is not a query-operator object (an equality match on `_id`). */
function isPlainIdValue(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (value instanceof ObjectId || value instanceof Date) return true;
  return !Object.keys(value).some((k) => k.startsWith("$"));
}

export class Collection {
  readonly docs = new Map<string, Document>();
  readonly indexes: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: "_id_" }];

  /** Documents matching `filter`, in insertion order; `{_id: value}` is a map lookup. */
  match(filter: Document = {}): Document[] {
    const keys = Object.keys(filter);
    if (keys.length === 1 && keys[0] === "_id" && isPlainIdValue(filter._id)) {
      const doc = this.docs.get(idKey(filter._id));
      return doc ? [doc] : [];
    }
    const all = [...this.docs.values()];
    if (keys.length === 0) return all;
    const query = new Query(filter, {});
    return all.filter((d) => query.test(d));
  }

  /** Inserts a document; false when its `_id` already exists. */
  insert(doc: Document): boolean {
    const key = idKey(doc._id);
    if (this.docs.has(key)) return false;
    this.docs.set(key, doc);
    return true;
  }

  replace(oldDoc: Document, newDoc: Document): void {
    this.docs.set(idKey(oldDoc._id), newDoc);
  }

  remove(doc: Document): void {
    this.docs.delete(idKey(doc._id));
  }
}

export class Store {
  private readonly dbs = new Map<string, Map<string, Collection>>();

  private db(name: string): Map<string, Collection> {
    let db = this.dbs.get(name);
    if (!db) {
      db = new Map();
      this.dbs.set(name, db);
    }
    return db;
  }

  get(dbName: string, name: string): Collection | undefined {
    return this.dbs.get(dbName)?.get(name);
  }

  /** The collection, created on first write (as the server does). */
  ensure(dbName: string, name: string): { collection: Collection; created: boolean } {
    const db = this.db(dbName);
    const existing = db.get(name);
    if (existing) return { collection: existing, created: false };
    const collection = new Collection();
    db.set(name, collection);
    return { collection, created: true };
  }

  set(dbName: string, name: string, collection: Collection): void {
    this.db(dbName).set(name, collection);
  }

  drop(dbName: string, name: string): Collection | undefined {
    const db = this.dbs.get(dbName);
    const c = db?.get(name);
    db?.delete(name);
    return c;
  }

  dropDatabase(dbName: string): void {
    this.dbs.delete(dbName);
  }

  collectionNames(dbName: string): string[] {
    return [...(this.dbs.get(dbName)?.keys() ?? [])];
  }

  databaseNames(): string[] {
    return [...this.dbs.keys()].filter((n) => this.collectionNames(n).length > 0);
  }
}
