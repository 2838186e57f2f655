/** find, getMore, killCursors, aggregate, count, distinct: cursors held per server. */
import { type Document, Long } from "bson";
import { Aggregator } from "mingo";
import { CommandError } from "./errors.js";
import type { Store } from "./store.js";

const DEFAULT_BATCH = 101;

export class Cursors {
  private next = 1n;
  private readonly open = new Map<bigint, { ns: string; rest: Document[] }>();

  /** A cursor reply: the first batch, and an id to page the rest with getMore (0: exhausted). */
  first(ns: string, docs: Document[], batchSize?: number, singleBatch?: boolean): Document {
    const size = batchSize && batchSize > 0 ? batchSize : DEFAULT_BATCH;
    const batch = docs.slice(0, size);
    const rest = singleBatch ? [] : docs.slice(size);
    let id = 0n;
    if (rest.length > 0) {
      id = this.next++;
      this.open.set(id, { ns, rest });
    }
    return { cursor: { firstBatch: batch, id: Long.fromBigInt(id), ns }, ok: 1 };
  }

  more(cmd: Document): Document {
    const id = BigInt(String(cmd.getMore));
    const cursor = this.open.get(id);
    if (!cursor) throw new CommandError(43, "CursorNotFound", `cursor id ${id} not found`);
    const size = Number(cmd.batchSize ?? 0) > 0 ? Number(cmd.batchSize) : cursor.rest.length;
    const batch = cursor.rest.splice(0, size);
    if (cursor.rest.length === 0) this.open.delete(id);
    const nextId = cursor.rest.length === 0 ? 0n : id;
    return { cursor: { nextBatch: batch, id: Long.fromBigInt(nextId), ns: cursor.ns }, ok: 1 };
  }

  kill(cmd: Document): Document {
    const ids = ((cmd.cursors as unknown[]) ?? []).map((c) => BigInt(String(c)));
    const killed = ids.filter((id) => this.open.delete(id));
    const notFound = ids.filter((id) => !killed.includes(id));
    return {
      cursorsKilled: killed.map((id) => Long.fromBigInt(id)),
      cursorsNotFound: notFound.map((id) => Long.fromBigInt(id)),
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: 1,
    };
  }
}

function runPipeline(docs: Document[], pipeline: Document[]): Document[] {
  if (pipeline.length === 0) return docs;
  return new Aggregator(pipeline, {}).run(docs) as Document[];
}

export function find(store: Store, cursors: Cursors, db: string, cmd: Document): Document {
  const name = String(cmd.find);
  const collection = store.get(db, name);
  const pipeline: Document[] = [];
  if (cmd.sort && Object.keys(cmd.sort).length > 0) pipeline.push({ $sort: cmd.sort });
  if (cmd.skip) pipeline.push({ $skip: Number(cmd.skip) });
  if (cmd.limit) pipeline.push({ $limit: Math.abs(Number(cmd.limit)) });
  if (cmd.projection && Object.keys(cmd.projection).length > 0) pipeline.push({ $project: cmd.projection });
  const docs = runPipeline(collection?.match(cmd.filter ?? {}) ?? [], pipeline);
  const single = cmd.singleBatch === true || Number(cmd.limit) < 0;
  return cursors.first(`${db}.${name}`, docs, Number(cmd.batchSize ?? 0), single);
}

export function aggregate(store: Store, cursors: Cursors, db: string, cmd: Document): Document {
  const name = String(cmd.aggregate);
  const pipeline = (cmd.pipeline as Document[] | undefined) ?? [];
  const unsupported = pipeline.find((stage) => "$out" in stage || "$merge" in stage || "$lookup" in stage);
  if (unsupported) {
    throw new CommandError(40324, "Location40324", `stage ${Object.keys(unsupported)[0]} is not supported`);
  }
  const docs = runPipeline([...(store.get(db, name)?.docs.values() ?? [])], pipeline);
  const batchSize = Number((cmd.cursor as Document | undefined)?.batchSize ?? 0);
  return cursors.first(`${db}.${name}`, docs, batchSize);
}

export function count(store: Store, db: string, cmd: Document): Document {
  const collection = store.get(db, String(cmd.count));
  let n = collection ? collection.match(cmd.query ?? {}).length : 0;
  if (cmd.skip) n = Math.max(0, n - Number(cmd.skip));
  if (cmd.limit) n = Math.min(n, Math.abs(Number(cmd.limit)));
  return { n, ok: 1 };
}

export function distinct(store: Store, db: string, cmd: Document): Document {
  const docs = store.get(db, String(cmd.distinct))?.match(cmd.query ?? {}) ?? [];
  const values = runPipeline(docs, [{ $group: { _id: `$${String(cmd.key)}` } }]).map((d) => d._id);
  return { values: values.filter((v) => v !== null && v !== undefined), ok: 1 };
}
