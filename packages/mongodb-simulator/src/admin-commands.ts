/** hello, collections, indexes, rename, drop: the catalogue side of the stand-in. */
import type { Document } from "bson";
import { CommandError, namespaceExists, namespaceNotFound } from "./errors.js";
import type { Cursors } from "./read-commands.js";
import type { IndexSpec, Store } from "./store.js";

/** A standalone server (wire version 21 = MongoDB 7.0) with sessions. */
export function hello(connectionId: number): Document {
  return {
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

export function buildInfo(): Document {
  return {
    version: "7.0.0-sluice-simulator",
    versionArray: [7, 0, 0, 0],
    maxBsonObjectSize: 16777216,
    ok: 1,
  };
}

function splitNamespace(ns: unknown): { db: string; name: string } {
  const s = String(ns);
  const dot = s.indexOf(".");
  if (dot <= 0 || dot === s.length - 1)
    throw new CommandError(73, "InvalidNamespace", `invalid namespace ${s}`);
  return { db: s.slice(0, dot), name: s.slice(dot + 1) };
}

export function create(store: Store, db: string, cmd: Document): Document {
  const name = String(cmd.create);
  if (store.get(db, name)) throw namespaceExists(`${db}.${name}`);
  store.ensure(db, name);
  return { ok: 1 };
}

export function createIndexes(store: Store, db: string, cmd: Document): Document {
  const { collection, created } = store.ensure(db, String(cmd.createIndexes));
  const before = collection.indexes.length;
  for (const spec of (cmd.indexes as IndexSpec[] | undefined) ?? []) {
    const existing = collection.indexes.find((i) => i.name === spec.name);
    if (!existing) collection.indexes.push({ ...spec, v: 2 });
    else if (JSON.stringify(existing.key) !== JSON.stringify(spec.key)) {
      throw new CommandError(86, "IndexKeySpecsConflict", `index ${spec.name} exists with different keys`);
    }
  }
  return {
    createdCollectionAutomatically: created,
    numIndexesBefore: before,
    numIndexesAfter: collection.indexes.length,
    ok: 1,
  };
}

export function listIndexes(store: Store, cursors: Cursors, db: string, cmd: Document): Document {
  const name = String(cmd.listIndexes);
  const collection = store.get(db, name);
  if (!collection) throw namespaceNotFound(`${db}.${name}`);
  return cursors.first(`${db}.${name}`, collection.indexes);
}

export function renameCollection(store: Store, cmd: Document): Document {
  const from = splitNamespace(cmd.renameCollection);
  const to = splitNamespace(cmd.to);
  const source = store.get(from.db, from.name);
  if (!source) throw namespaceNotFound(`${from.db}.${from.name}`);
  if (store.get(to.db, to.name)) {
    if (cmd.dropTarget !== true) throw namespaceExists(`${to.db}.${to.name}`);
  }
  // one synchronous step: readers see the old target or the new one, never neither
  store.drop(from.db, from.name);
  store.set(to.db, to.name, source);
  return { ok: 1 };
}

export function drop(store: Store, db: string, cmd: Document): Document {
  const name = String(cmd.drop);
  const dropped = store.drop(db, name);
  if (!dropped) throw namespaceNotFound(`${db}.${name}`);
  return { ns: `${db}.${name}`, nIndexesWas: dropped.indexes.length, ok: 1 };
}

export function listCollections(store: Store, cursors: Cursors, db: string, cmd: Document): Document {
  const wanted = (cmd.filter as Document | undefined)?.name;
  const names = store.collectionNames(db).filter((n) => wanted === undefined || n === wanted);
  const items = names.map((name) =>
    cmd.nameOnly
      ? { name, type: "collection" }
      : { name, type: "collection", options: {}, info: { readOnly: false } },
  );
  return cursors.first(`${db}.$cmd.listCollections`, items);
}

export function listDatabases(store: Store): Document {
  const databases = store.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: false }));
  return { databases, totalSize: 0, ok: 1 };
}
