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
import mysql from "mysql2/promise";
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

interface Store {
  url: string;
  count(): Promise<number>;
  /** protocol → how many rows/documents hold it. */
  protocols(): Promise<string[]>;
  /** One stored record as JSON (typed fields, metadata). */
  sample(): Promise<Record<string, unknown>>;
  cleanup(): Promise<void>;
}

const STORES: { name: string; setup(): Promise<Store> }[] = [
  {
    name: "MongoDB (wire stand-in)",
    async setup() {
      const db = `att_${randomUUID().slice(0, 8)}`;
      return {
        url: sim.url(db),
        count: async () => stored(db).length,
        protocols: async () => stored(db).map((d) => String(d.protocol)),
        sample: async () => {
          const doc = stored(db)[0]!;
          expect(doc._id).toBe(doc._message_id);
          return doc;
        },
        cleanup: async () => sim.store.dropDatabase(db),
      };
    },
  },
  {
    name: "MariaDB",
    async setup() {
      const database = `sluice_test_${randomUUID().slice(0, 8).replace(/-/g, "")}`;
      const admin = await mysql.createConnection({ host: "127.0.0.1", user: "root", timezone: "Z" });
      await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await admin.changeUser({ database });
      const rows = async (sql: string) => {
        try {
          return (await admin.query(sql))[0] as Record<string, unknown>[];
        } catch (e) {
          if ((e as { code?: string }).code === "ER_NO_SUCH_TABLE") return [];
          throw e;
        }
      };
      return {
        url: `mysql://root@127.0.0.1:3306/${database}`,
        count: async () => Number((await rows("SELECT COUNT(*) AS n FROM attendances"))[0]?.n ?? 0),
        protocols: async () =>
          (await rows("SELECT JSON_UNQUOTE(JSON_EXTRACT(raw, '$.protocol')) AS p FROM attendances")).map(
            (r) => String(r.p),
          ),
        sample: async () => {
          const [row] = await rows("SELECT * FROM attendances LIMIT 1");
          const raw = (typeof row!.raw === "string" ? JSON.parse(row!.raw) : row!.raw) as Record<
            string,
            unknown
          >;
          expect(row!.id).toBe(raw._message_id);
          expect(row!.date).toBeInstanceOf(Date);
          return { ...raw, age: row!.age, solved: row!.solved === 1 };
        },
        cleanup: async () => {
          await admin.query(`DROP DATABASE \`${database}\``);
          await admin.end();
        },
      };
    },
  },
];

describe.each(STORES)("stomp-consumer → $name, black box against ActiveMQ", ({ setup }) => {
  it("10,000 events, 1% invalid, SIGKILL mid-stream and restart: every valid one exactly once, every invalid one once in the DLQ", async () => {
    const store = await setup();
    const queue = `/queue/${uniqueName("attendances")}`;
    const seed = 4242;
    await produce(queue, 10_000, seed, 0.01);
    const expected = [...generateEvents(10_000, seed, 0.01)];
    const valid = new Set(expected.filter((e) => !e.invalid).map((e) => e.protocol));
    const invalid = expected.filter((e) => e.invalid);
    expect(valid.size).toBe(9_900);

    const env = baseEnv({
      STOMP_DESTINATION: queue,
      SINK_URL: store.url,
      RECORD_SCHEMA: "attendance",
      BATCH_MAX_RECORDS: "200",
      BATCH_MAX_MS: "200",
    });
    let kill: (() => void) | undefined;
    const first = runApp(CONSUMER, env, { onSpawn: (child) => (kill = () => child.kill("SIGKILL")) });
    await waitFor(async () => (await store.count()) >= 3_000, 90_000, "3,000 stored");
    kill!();
    const killed = await first;
    expect(killed.signal).toBe("SIGKILL");
    expect(await store.count()).toBeLessThan(9_900);

    const second = await runApp(CONSUMER, { ...env, EXIT_WHEN_IDLE_MS: "3000" }, { killAfterMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);

    const protocols = await store.protocols();
    expect(protocols).toHaveLength(9_900);
    expect(new Set(protocols).size).toBe(9_900);
    expect(protocols.every((p) => valid.has(p))).toBe(true);
    expect(await store.sample()).toMatchObject({
      age: expect.any(Number),
      solved: expect.any(Boolean),
      _original: expect.any(Object),
    });

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
    await store.cleanup();
  }, 300_000);
});

describe("stomp-consumer → MongoDB (wire stand-in), black box", () => {
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
