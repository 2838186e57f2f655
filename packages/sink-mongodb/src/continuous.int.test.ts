import { randomUUID } from "node:crypto";
import { type JsonObject, silentLogger, TOMBSTONE_FIELD, TransientError } from "@sluice/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MongoSink, mongoSink } from "./index.js";
import { type TestServer, testServer } from "./test-support.js";

let server: TestServer;
let sink: MongoSink | undefined;
beforeAll(async () => {
  server = await testServer();
});
afterAll(() => server.close());
afterEach(async () => {
  if (sink) await (await sink.database()).dropDatabase();
  await sink?.close();
  sink = undefined;
});

const stream = { name: "attendances", primaryKey: ["_message_id"] };
const open = (s: MongoSink, mode: "upsert" | "append" = "upsert") =>
  s.open(stream, {
    mode,
    delivery: "continuous",
    runId: "r1",
    runStartedAt: new Date(),
    signal: new AbortController().signal,
    logger: silentLogger(),
  });
const event = (i: number, v = 1): JsonObject => ({ _message_id: `ID:m-${i}`, n: i, v });
const ctx = { stateKey: "stomp/attendances" };
const all = async (s: MongoSink) =>
  (await (await s.database()).collection("attendances").find({}).sort({ n: 1 }).toArray()) as JsonObject[];

describe("mongoSink continuous delivery", () => {
  it("commits each micro-batch as one upsert bulkWrite; redelivery never duplicates", async () => {
    sink = mongoSink({ url: server.url() });
    const writer = await open(sink);
    await writer.write([event(1), event(2)]);
    expect(await all(sink)).toEqual([]);
    expect((await writer.commit(ctx)).records).toBe(2);
    // a broker redelivers 2 after a crash, together with 3; 3 appears twice in the batch
    await writer.write([event(2, 2), event(3), event(3, 3)]);
    await writer.commit(ctx);
    expect(await all(sink)).toEqual([
      { _id: "ID:m-1", _message_id: "ID:m-1", n: 1, v: 1 },
      { _id: "ID:m-2", _message_id: "ID:m-2", n: 2, v: 2 },
      { _id: "ID:m-3", _message_id: "ID:m-3", n: 3, v: 3 },
    ]);
    await writer.close?.();
  });

  it("abort discards the open micro-batch only; tombstones delete", async () => {
    sink = mongoSink({ url: server.url() });
    const writer = await open(sink);
    await writer.write([event(1), event(2)]);
    await writer.commit(ctx);
    await writer.write([event(9)]);
    await writer.abort(new Error("stop"));
    await writer.write([{ _message_id: "ID:m-1", [TOMBSTONE_FIELD]: true }]);
    await writer.commit(ctx);
    expect((await all(sink)).map((d) => d.n)).toEqual([2]);
  });

  it("append inserts every record", async () => {
    sink = mongoSink({ url: server.url() });
    const writer = await open(sink, "append");
    await writer.write([event(1), event(1)]);
    await writer.commit(ctx);
    expect(await all(sink)).toHaveLength(2);
  });

  it("creates declared indexes before the first commit lands", async () => {
    sink = mongoSink({
      url: server.url(),
      indexes: { attendances: [{ key: { n: 1 }, name: "by_n" }, { key: { v: -1, n: 1 } }] },
    });
    const writer = await open(sink);
    await writer.write([event(1)]);
    await writer.commit(ctx);
    const names = (await (await sink.database()).collection("attendances").listIndexes().toArray()).map(
      (i) => i.name,
    );
    expect(names).toEqual(expect.arrayContaining(["_id_", "by_n", "v_-1_n_1"]));
  });
});

describe("mongoSink against the stand-in only (wire assertions, injected failures)", () => {
  it("sends write concern majority by default and keeps one key once per bulk", async (t) => {
    const sim = server.simulator;
    if (!sim) return t.skip();
    sink = mongoSink({ url: server.url() });
    const writer = await open(sink);
    await writer.write([event(1), event(1, 2), event(2)]);
    await writer.commit(ctx);
    const updates = sim.commands.filter((c) => c.update === "attendances");
    expect(updates.at(-1)).toMatchObject({ ordered: false, writeConcern: { w: "majority" } });
    expect(updates.at(-1)?.updates).toHaveLength(2);
  });

  it("a retryable server error is a TransientError; the retried commit lands the same batch", async (t) => {
    const sim = server.simulator;
    if (!sim) return t.skip();
    sink = mongoSink({ url: server.url() });
    const writer = await open(sink);
    await writer.write([event(1), event(2)]);
    sim.failCommand({
      command: "update",
      code: 91,
      codeName: "ShutdownInProgress",
      errorLabels: ["RetryableWriteError"],
    });
    const error = await writer.commit(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryable).toBe(true);
    expect((await writer.commit(ctx)).records).toBe(2);
    expect(await all(sink)).toHaveLength(2);
  });
});

describe("mongoSink configuration", () => {
  it("names every bad option and never echoes the connection string", () => {
    const password = ["pw", randomUUID()].join("_");
    const attempt = () => mongoSink({ url: `postgres://u:${password}@h/db`, batchSize: 0 });
    expect(attempt).toThrowError(/url/);
    expect(attempt).toThrowError(/batchSize/);
    try {
      attempt();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(password);
    }
  });

  it("needs a database from the URL or the options", () => {
    expect(() => mongoSink({ url: "mongodb+srv://cluster0.example.net/?retryWrites=true" })).toThrowError(
      /database/,
    );
    expect(() => mongoSink({ url: "mongodb+srv://cluster0.example.net/", database: "app" })).not.toThrow();
  });

  it("a connection failure is retryable and does not print the password", async () => {
    const password = ["pw", randomUUID()].join("_");
    const s = mongoSink({
      url: `mongodb://sluice:${password}@127.0.0.1:9/app?directConnection=true`,
      clientOptions: { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 },
    });
    const error = await s.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(JSON.stringify((error as TransientError).toJSON())).not.toContain(password);
    expect((error as Error).message).not.toContain(password);
    await s.close();
  });
});
