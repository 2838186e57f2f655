/**
 * Black-box tests of the built apps against the real ActiveMQ: the producer publishes, the
 * consumer is SIGKILLed mid-stream and restarted, and the store must hold every valid event
 * exactly once while every invalid one sits in the DLQ with its reason.
 */
import { randomUUID } from "node:crypto";
import { appMain, baseEnv, runApp, waitFor } from "@sluice/app-kit/testing";
import { type MongoSimulator, startMongoSimulator } from "@sluice/mongodb-simulator";
import { drain, uniqueName } from "@sluice/source-stomp/testing";
import { generateEvents } from "@sluice/stomp-producer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CONSUMER = appMain("stomp-consumer");
const PRODUCER = appMain("stomp-producer");

let sim: MongoSimulator;
beforeAll(async () => {
  sim = await startMongoSimulator();
});
afterAll(() => sim.close());

const produce = async (destination: string, count: number, seed: number, invalidRatio = 0) => {
  const r = await runApp(
    PRODUCER,
    baseEnv({
      STOMP_DESTINATION: destination,
      COUNT: String(count),
      SEED: String(seed),
      INVALID_RATIO: String(invalidRatio),
    }),
    { killAfterMs: 120_000 },
  );
  expect(r.code, r.stderr).toBe(0);
};

const stored = (db: string) => [...(sim.store.get(db, "attendances")?.docs.values() ?? [])];

describe("stomp-consumer → MongoDB (wire stand-in), black box", () => {
  it("10,000 events, 1% invalid, SIGKILL mid-stream and restart: every valid one exactly once, every invalid one in the DLQ", async () => {
    const queue = `/queue/${uniqueName("attendances")}`;
    const db = `att_${randomUUID().slice(0, 8)}`;
    const seed = 4242;
    await produce(queue, 10_000, seed, 0.01);
    const expected = [...generateEvents(10_000, seed, 0.01)];
    const valid = new Set(expected.filter((e) => !e.invalid).map((e) => e.protocol));
    const invalid = expected.filter((e) => e.invalid);
    expect(valid.size).toBe(9_900);

    const env = baseEnv({
      STOMP_DESTINATION: queue,
      SINK_URL: sim.url(db),
      RECORD_SCHEMA: "attendance",
      BATCH_MAX_RECORDS: "200",
      BATCH_MAX_MS: "200",
    });
    let kill: (() => void) | undefined;
    const first = runApp(CONSUMER, env, { onSpawn: (child) => (kill = () => child.kill("SIGKILL")) });
    await waitFor(() => stored(db).length >= 3_000, 90_000, "3,000 stored");
    kill!();
    const killed = await first;
    expect(killed.signal).toBe("SIGKILL");
    expect(stored(db).length).toBeLessThan(9_900);

    const second = await runApp(CONSUMER, { ...env, EXIT_WHEN_IDLE_MS: "3000" }, { killAfterMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);

    const docs = stored(db);
    const protocols = docs.map((d) => String(d.protocol));
    expect(docs).toHaveLength(9_900);
    expect(new Set(protocols).size).toBe(9_900);
    expect(protocols.every((p) => valid.has(p))).toBe(true);
    expect(docs[0]).toMatchObject({
      age: expect.any(Number),
      solved: expect.any(Boolean),
      _original: expect.any(Object),
    });
    expect(docs.every((d) => d._id === d._message_id)).toBe(true);

    const dlq = await drain(`${queue}.DLQ`);
    expect(dlq).toHaveLength(invalid.length);
    const reasons = dlq.map((m) => m.headers["x-sluice-error"] ?? "");
    expect(reasons.every((r) => r.length > 0)).toBe(true);
    expect(new Set(dlq.map((m) => m.headers["x-sluice-error-code"]))).toEqual(
      new Set(["invalid_json", "transform_failed"]),
    );
    expect(reasons.some((r) => /document has invalid CPF check digits/.test(r))).toBe(true);
    // each invalid event exactly once in the DLQ (the dead-letter SEND and the ACK are one transaction)
    for (const e of invalid) {
      expect(
        dlq.filter((m) => m.body.includes(`"protocol":"${e.protocol}"`)),
        e.protocol,
      ).toHaveLength(1);
    }
    expect(await drain(queue, 500)).toEqual([]);
  }, 300_000);

  it("a durable topic subscription keeps what was published while the consumer was down; SIGTERM drains and exits 0", async () => {
    const topic = `/topic/${uniqueName("attendances")}`;
    const db = `att_${randomUUID().slice(0, 8)}`;
    const env = baseEnv({
      STOMP_DESTINATION: topic,
      STOMP_SUBSCRIPTION: uniqueName("etl"),
      SINK_URL: sim.url(db),
      RECORD_SCHEMA: "attendance",
      BATCH_MAX_MS: "100",
    });
    let stop: (() => void) | undefined;
    let subscribed = false;
    const first = runApp(CONSUMER, env, {
      onSpawn: (child) => {
        stop = () => child.kill("SIGTERM");
        child.stdout?.on("data", (d: Buffer) => {
          if (String(d).includes("stomp: subscribed")) subscribed = true;
        });
      },
    });
    await waitFor(() => subscribed, 30_000, "the durable subscription");
    await produce(topic, 50, 1);
    await waitFor(() => stored(db).length === 50, 30_000, "50 live events");
    stop!();
    expect((await first).code).toBe(0);

    await produce(topic, 300, 2); // nobody connected
    const second = await runApp(CONSUMER, { ...env, EXIT_WHEN_IDLE_MS: "2000" });
    expect(second.code, second.stderr).toBe(0);
    expect(stored(db)).toHaveLength(350);
  }, 120_000);

  it("bad configuration: exit 1 and one line naming every bad variable, no secret", async () => {
    const passcode = ["pc", randomUUID()].join("_");
    const r = await runApp(
      CONSUMER,
      baseEnv({
        STOMP_URL: "http://x",
        STOMP_PASSCODE: passcode,
        SINK_URL: "ftp://x",
        BATCH_MAX_RECORDS: "-1",
      }),
    );
    expect(r.code).toBe(1);
    for (const v of ["STOMP_URL", "STOMP_DESTINATION", "SINK_URL", "BATCH_MAX_RECORDS"])
      expect(r.lastLine).toContain(v);
    expect(r.stdout + r.stderr).not.toContain(passcode);
  });
});
