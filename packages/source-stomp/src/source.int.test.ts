import { describe, expect, it } from "vitest";
import { stompSource } from "./index.js";
import {
  BROKER_URL,
  brokerProxy,
  drain,
  publish,
  pull,
  readOptions,
  testReporter,
  uniqueName,
} from "./testing.js";

const bodies = (n: number, from = 0) => Array.from({ length: n }, (_, i) => JSON.stringify({ n: from + i }));

describe("stompSource against ActiveMQ", () => {
  it("yields records with broker metadata and acks only what committed() covers", async () => {
    const queue = `/queue/${uniqueName("q")}`;
    await publish(queue, bodies(5));
    const first = stompSource({ url: BROKER_URL, destination: queue, prefetch: 10 });
    const [stream] = await first.discover();
    const ac = new AbortController();
    const it = first.read(stream!.name, readOptions(ac.signal))[Symbol.asyncIterator]();
    const got = await pull(it, 5);
    expect(got.records.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
    expect(got.records[0]).toMatchObject({ _destination: queue });
    expect(String(got.records[0]!._message_id)).toMatch(/^ID:/);
    expect(Date.parse(String(got.records[0]!._received_at))).not.toBeNaN();
    // commit the first three only (cumulative checkpoint of the third message)
    await first.committed(stream!.name, { seq: 3 });
    ac.abort();
    await first.close();

    const reporter = testReporter();
    const second = stompSource({ url: BROKER_URL, destination: queue });
    const ac2 = new AbortController();
    const it2 = second.read(stream!.name, readOptions(ac2.signal, reporter))[Symbol.asyncIterator]();
    const again = await pull(it2, 2);
    expect(again.records.map((r) => r.n)).toEqual([3, 4]);
    expect(reporter.redeliveries).toBe(2);
    await second.committed(stream!.name, again.lastCheckpoint!);
    ac2.abort();
    await second.close();
    expect(await drain(queue, 800)).toEqual([]);
  });

  it("holds at most `prefetch` unacked messages (back-pressure), more after acks", async () => {
    const queue = `/queue/${uniqueName("prefetch")}`;
    await publish(queue, bodies(12));
    const source = stompSource({ url: BROKER_URL, destination: queue, prefetch: 4 });
    const ac = new AbortController();
    const it = source.read(source.options.stream, readOptions(ac.signal))[Symbol.asyncIterator]();
    const first = await pull(it, 4);
    await expect(pull(it, 1, 800)).rejects.toThrow(/timed out/);
    await source.committed(source.options.stream, first.lastCheckpoint!);
    const next = await pull(it, 4);
    expect(next.records.map((r) => r.n)).toEqual([4, 5, 6, 7]);
    await source.committed(source.options.stream, next.lastCheckpoint!);
    ac.abort();
    await source.close();
  });

  it("turns undecodable messages into dead letters and sends them to the DLQ with a receipt", async () => {
    const queue = `/queue/${uniqueName("dlq")}`;
    await publish(queue, ["{not json", JSON.stringify([1, 2]), JSON.stringify({ ok: true })]);
    const source = stompSource({ url: BROKER_URL, destination: queue });
    const ac = new AbortController();
    const it = source.read(source.options.stream, readOptions(ac.signal))[Symbol.asyncIterator]();
    const got = await pull(it, 3);
    expect(got.records).toHaveLength(1);
    const letters = got.letters.map((l) => (l.kind === "dead-letter" ? l.letter : undefined)!);
    expect(letters.map((l) => l.code)).toEqual(["invalid_json", "not_an_object"]);
    expect(letters[0]!.reason).not.toContain("{not json");
    for (const letter of letters) {
      await source.deadLetter({ ...letter, stream: source.options.stream, at: new Date().toISOString() });
    }
    await source.committed(source.options.stream, got.lastCheckpoint!);
    ac.abort();
    await source.close();
    const dlq = await drain(source.options.deadLetterDestination);
    expect(dlq.map((m) => m.body)).toEqual(["{not json", "[1,2]"]);
    expect(dlq[0]!.headers["x-sluice-error-code"]).toBe("invalid_json");
    expect(dlq[0]!.headers["x-sluice-error"]).toMatch(/not valid JSON/);
    expect(dlq[0]!.headers["x-sluice-original-destination"]).toBe(queue);
    expect(await drain(queue, 800)).toEqual([]);
  });

  it("a durable topic subscription keeps what was published while the consumer was down", async () => {
    const topic = `/topic/${uniqueName("t")}`;
    const subscriptionName = uniqueName("sub");
    const options = { url: BROKER_URL, destination: topic, subscriptionName };
    const first = stompSource(options);
    const ac = new AbortController();
    const it = first.read(first.options.stream, readOptions(ac.signal))[Symbol.asyncIterator]();
    const firstPull = pull(it, 2); // starts the read (generators run on the first next())
    await first.subscribed();
    await publish(topic, bodies(2));
    const live = await firstPull;
    await first.committed(first.options.stream, live.lastCheckpoint!);
    ac.abort();
    await first.close();

    await publish(topic, bodies(3, 2)); // nobody connected
    const second = stompSource(options);
    const ac2 = new AbortController();
    const it2 = second.read(second.options.stream, readOptions(ac2.signal))[Symbol.asyncIterator]();
    const missed = await pull(it2, 3);
    expect(missed.records.map((r) => r.n)).toEqual([2, 3, 4]);
    await second.committed(second.options.stream, missed.lastCheckpoint!);
    ac2.abort();
    await second.close();
  });

  it("reconnects after the connection drops and gets the unacked messages again", async () => {
    const queue = `/queue/${uniqueName("reconnect")}`;
    await publish(queue, bodies(3));
    const proxy = await brokerProxy();
    const reporter = testReporter();
    const source = stompSource({
      url: proxy.url,
      destination: queue,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    const ac = new AbortController();
    const it = source.read(source.options.stream, readOptions(ac.signal, reporter))[Symbol.asyncIterator]();
    const before = await pull(it, 3);
    proxy.dropAll(); // a network failure under the client
    const again = await pull(it, 3);
    expect(again.records.map((r) => r.n)).toEqual([0, 1, 2]);
    expect(reporter.redeliveries).toBe(3);
    // the old checkpoint is from a dead connection: acking it is a no-op, the new one acks
    await source.committed(source.options.stream, before.lastCheckpoint!);
    await source.committed(source.options.stream, again.lastCheckpoint!);
    ac.abort();
    await source.close();
    await proxy.close();
    expect(await drain(queue, 800)).toEqual([]);
  });
});
