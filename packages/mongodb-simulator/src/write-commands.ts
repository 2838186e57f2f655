/** insert, update (operators, replacement, pipeline; upsert, multi) and delete. */
import { BSON, type Document, ObjectId } from "bson";
import { update as applyOperators, updateMany } from "mingo";
import { CommandError } from "./errors.js";
import type { Collection, Store } from "./store.js";

interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  keyPattern?: Document;
  keyValue?: Document;
}

function duplicateKey(ns: string, index: number, id: unknown): WriteError {
  return {
    index,
    code: 11000,
    errmsg: `E11000 duplicate key error collection: ${ns} index: _id_ dup key: { _id: ${JSON.stringify(id)} }`,
    keyPattern: { _id: 1 },
    keyValue: { _id: id },
  };
}

function writeReply(n: number, writeErrors: WriteError[], extra: Document = {}): Document {
  return { n, ...extra, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}

export function insert(store: Store, db: string, cmd: Document): Document {
  const name = String(cmd.insert);
  const { collection } = store.ensure(db, name);
  const docs = (cmd.documents as Document[] | undefined) ?? [];
  const ordered = cmd.ordered !== false;
  const writeErrors: WriteError[] = [];
  let n = 0;
  for (const [index, doc] of docs.entries()) {
    const withId = doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc;
    if (collection.insert(withId)) n++;
    else {
      writeErrors.push(duplicateKey(`${db}.${name}`, index, withId._id));
      if (ordered) break;
    }
  }
  return writeReply(n, writeErrors);
}

const isOperatorDoc = (u: Document) => Object.keys(u).some((k) => k.startsWith("$"));

/** The document an upsert starts from: the equality fields of the filter. */
function seedFromFilter(q: Document): Document {
  const seed: Document = {};
  for (const [k, v] of Object.entries(q)) {
    if (k.startsWith("$") || k.includes(".")) continue;
    const isOperator = v !== null && typeof v === "object" && Object.keys(v).some((x) => x.startsWith("$"));
    if (!isOperator) seed[k] = v;
  }
  return seed;
}

/** Applies `u` to a copy of `doc`; returns the new document. */
function applyUpdate(doc: Document, u: Document | Document[], arrayFilters?: Document[]): Document {
  if (Array.isArray(u)) {
    const docs = [clone(doc)];
    updateMany(docs, {}, u as never);
    return docs[0]!;
  }
  if (!isOperatorDoc(u)) return { ...u, _id: doc._id };
  const copy = clone(doc);
  applyOperators(copy, u as never, arrayFilters, undefined, { cloneMode: "none" });
  return copy;
}

/** A deep copy that keeps BSON types (ObjectId, Long, Binary...). */
const clone = (doc: Document): Document => BSON.deserialize(BSON.serialize(doc));
const same = (a: Document, b: Document) => Buffer.compare(BSON.serialize(a), BSON.serialize(b)) === 0;

interface UpdateSpec {
  q: Document;
  u: Document | Document[];
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
}

function upsertOne(collection: Collection, spec: UpdateSpec): unknown {
  const seed = seedFromFilter(spec.q);
  const u = spec.u;
  const doc =
    !Array.isArray(u) && !isOperatorDoc(u)
      ? { _id: seed._id ?? u._id ?? new ObjectId(), ...u }
      : applyUpdate(seed, u, spec.arrayFilters);
  if (doc._id === undefined) doc._id = new ObjectId();
  if (!collection.insert(doc)) throw new CommandError(11000, "DuplicateKey", "E11000 duplicate key error");
  return doc._id;
}

export function update(store: Store, db: string, cmd: Document): Document {
  const name = String(cmd.update);
  const { collection } = store.ensure(db, name);
  const specs = (cmd.updates as UpdateSpec[] | undefined) ?? [];
  const ordered = cmd.ordered !== false;
  const writeErrors: WriteError[] = [];
  const upserted: { index: number; _id: unknown }[] = [];
  let n = 0;
  let nModified = 0;
  for (const [index, spec] of specs.entries()) {
    try {
      const matches = collection.match(spec.q);
      const targets = spec.multi ? matches : matches.slice(0, 1);
      if (targets.length === 0 && spec.upsert) {
        upserted.push({ index, _id: upsertOne(collection, spec) });
        n++;
        continue;
      }
      for (const doc of targets) {
        const next = applyUpdate(doc, spec.u, spec.arrayFilters);
        n++;
        if (!same(doc, next)) {
          collection.replace(doc, next);
          nModified++;
        }
      }
    } catch (error) {
      const e = error instanceof CommandError ? error : new CommandError(2, "BadValue", String(error));
      writeErrors.push({ index, code: e.code, errmsg: e.message });
      if (ordered) break;
    }
  }
  return writeReply(n, writeErrors, { nModified, ...(upserted.length > 0 ? { upserted } : {}) });
}

export function remove(store: Store, db: string, cmd: Document): Document {
  const collection = store.get(db, String(cmd.delete));
  let n = 0;
  for (const spec of (cmd.deletes as { q: Document; limit: number }[] | undefined) ?? []) {
    if (!collection) break;
    const matches = collection.match(spec.q);
    for (const doc of spec.limit === 1 ? matches.slice(0, 1) : matches) {
      collection.remove(doc);
      n++;
    }
  }
  return writeReply(n, []);
}
