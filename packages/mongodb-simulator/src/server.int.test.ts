import { MongoBulkWriteError, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MongoSimulator, startMongoSimulator } from "./index.js";

let sim: MongoSimulator;
let client: MongoClient;

beforeAll(async () => {
  sim = await startMongoSimulator();
  client = new MongoClient(sim.url(), { serverSelectionTimeoutMS: 2000 });
  await client.connect();
});

afterAll(async () => {
  await client.close();
  await sim.close();
});

const fresh = () => client.db(`t_${Math.random().toString(36).slice(2, 8)}`);

describe("mongodb simulator through the official driver", () => {
  it("answers the handshake and ping on real sockets", async () => {
    const reply = await client.db("admin").command({ ping: 1 });
    expect(reply.ok).toBe(1);
    expect(sim.port).toBeGreaterThan(0);
  });

  it("inserts, finds with filters, sorts and pages through getMore", async () => {
    const c = fresh().collection("items");
    await c.insertMany(
      Array.from({ length: 250 }, (_, i) => ({ _id: `k${i}` as never, n: i, even: i % 2 === 0 })),
    );
    const evens = await c
      .find({ even: true, n: { $gte: 100 } })
      .sort({ n: -1 })
      .batchSize(20)
      .toArray();
    expect(evens).toHaveLength(75);
    expect(evens[0]).toMatchObject({ _id: "k248", n: 248 });
    expect(await c.countDocuments({ even: false })).toBe(125);
    expect(await c.estimatedDocumentCount()).toBe(250);
    expect(await c.findOne({ _id: "k7" as never }, { projection: { n: 1 } })).toEqual({ _id: "k7", n: 7 });
  });

  it("rejects a duplicate _id with E11000 and keeps going when unordered", async () => {
    const c = fresh().collection("dups");
    await c.insertOne({ _id: "a" as never });
    const error = await c
      .insertMany([{ _id: "b" }, { _id: "a" }, { _id: "c" }] as never[], { ordered: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect((error as MongoBulkWriteError).code).toBe(11000);
    expect(await c.countDocuments()).toBe(3);
  });

  it("bulkWrite upserts (replacement and operators), updates and deletes", async () => {
    const c = fresh().collection<{ _id: string; v?: number; tags?: string[]; hits?: number; big?: boolean }>(
      "bulk",
    );
    await c.insertOne({ _id: "x", v: 1, tags: ["a"] });
    const result = await c.bulkWrite(
      [
        { replaceOne: { filter: { _id: "x" }, replacement: { v: 2 }, upsert: true } },
        { replaceOne: { filter: { _id: "y" }, replacement: { v: 3 }, upsert: true } },
        {
          updateOne: {
            filter: { _id: "z" },
            update: { $set: { v: 4 }, $inc: { hits: 1 } },
            upsert: true,
          },
        },
        { updateOne: { filter: { _id: "x" }, update: { $push: { tags: "b" } } } },
        { deleteOne: { filter: { _id: "nope" } } },
      ],
      { ordered: false },
    );
    expect(result.upsertedCount).toBe(2);
    expect(result.matchedCount).toBe(2); // the replace of x and the $push on x
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "x", v: 2, tags: ["b"] },
      { _id: "y", v: 3 },
      { _id: "z", v: 4, hits: 1 },
    ]);
    expect((await c.updateMany({ v: { $gt: 2 } }, { $set: { big: true } })).modifiedCount).toBe(2);
    expect((await c.deleteMany({ big: true })).deletedCount).toBe(2);
    expect(await c.countDocuments()).toBe(1);
  });

  it("aggregates with $match/$group/$sort", async () => {
    const c = fresh().collection("agg");
    await c.insertMany([
      { k: "a", n: 1 },
      { k: "b", n: 2 },
      { k: "a", n: 3 },
    ]);
    const rows = await c
      .aggregate([{ $group: { _id: "$k", total: { $sum: "$n" } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(rows).toEqual([
      { _id: "a", total: 4 },
      { _id: "b", total: 2 },
    ]);
  });

  it("creates and lists indexes, lists collections", async () => {
    const db = fresh();
    await db.collection("ix").createIndex({ a: 1, b: -1 }, { unique: true, name: "a_b" });
    const indexes = await db.collection("ix").listIndexes().toArray();
    expect(indexes.map((i) => i.name)).toEqual(["_id_", "a_b"]);
    expect(indexes[1]).toMatchObject({ key: { a: 1, b: -1 }, unique: true });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toEqual(["ix"]);
  });

  it("renames with dropTarget atomically, refuses without it, drops", async () => {
    const db = fresh();
    await db.collection("live").insertOne({ v: "old" });
    await db.collection("staging").insertOne({ v: "new" });
    await expect(db.renameCollection("staging", "live")).rejects.toMatchObject({ code: 48 });
    await db.renameCollection("staging", "live", { dropTarget: true });
    expect((await db.collection("live").find().toArray()).map((d) => d.v)).toEqual(["new"]);
    expect(await db.collection("staging").drop()).toBe(false); // the driver maps 26 to false
    expect(await db.collection("live").drop()).toBe(true);
    expect(await db.listCollections().toArray()).toEqual([]);
  });

  it("answers unknown commands with 59 and injected failures with their code", async () => {
    await expect(client.db("admin").command({ fsync: 1 })).rejects.toMatchObject({ code: 59 });
    sim.failCommand({ command: "insert", code: 91, codeName: "ShutdownInProgress", errmsg: "shutting down" });
    const c = fresh().collection("f");
    await expect(c.insertOne({ a: 1 })).rejects.toMatchObject({ code: 91 });
    await c.insertOne({ a: 2 });
    expect(await c.countDocuments()).toBe(1);
  });

  it("ends sessions on close", async () => {
    const other = new MongoClient(sim.url(), { serverSelectionTimeoutMS: 2000 });
    await other.db("s").collection("c").insertOne({ a: 1 });
    await other.close();
    await expect.poll(() => sim.commands.some((c) => "endSessions" in c)).toBe(true);
  });
});
