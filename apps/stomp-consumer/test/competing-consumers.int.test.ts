/**
 * Scale-out, black box: three built consumers compete on one ActiveMQ queue into one store
 * (a throwaway MariaDB database, the MongoDB wire stand-in). One is SIGKILLed mid-stream (the
 * broker redelivers what it held unacked to the others); the other two drain and exit when idle. Every valid event must be stored exactly
 * once, every consumer must have committed a share, every invalid event sits once in the DLQ.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { type AppResult, appMain, baseEnv, runApp, waitFor } from "@sluice/app-kit/testing";
import { type MongoSimulator, startMongoSimulator } from "@sluice/mongodb-simulator";
import { drain, uniqueName } from "@sluice/source-stomp/testing";
import { generateEvents } from "@sluice/stomp-producer";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CONSUMER = appMain("stomp-consumer");
const PRODUCER = appMain("stomp-producer");
const EVENTS = 6_000;
const SEED = 1515;
const INVALID_RATIO = 0.01;

interface Store {
  url: string;
  /** The protocol of every stored row/document. */
  protocols(): Promise<string[]>;
  drop(): Promise<void>;
}

let sim: MongoSimulator;
beforeAll(async () => {
  sim = await startMongoSimulator();
});
afterAll(() => sim.close());

function mongoStandIn(): Promise<Store> {
  const db = `att_${randomUUID().slice(0, 8)}`;
  return Promise.resolve({
    url: sim.url(db),
    protocols: async () =>
      [...(sim.store.get(db, "attendances")?.docs.values() ?? [])].map((d) => String(d.protocol)),
    drop: async () => sim.store.dropDatabase(db),
  });
}

/** A throwaway MariaDB database (as in sink-aurora's test support). */
async function mariaDb(): Promise<Store> {
  const database = `sluice_test_${randomBytes(5).toString("hex")}`;
  const conn = await mysql.createConnection({ host: "127.0.0.1", user: "root", timezone: "Z" });
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.changeUser({ database });
  const protocols = async (): Promise<string[]> => {
    try {
      const [rows] = await conn.query(
        "SELECT JSON_UNQUOTE(JSON_EXTRACT(raw, '$.protocol')) AS p FROM attendances",
      );
      return (rows as { p: string }[]).map((r) => r.p);
    } catch (e) {
      if ((e as { code?: string }).code === "ER_NO_SUCH_TABLE") return [];
      throw e;
    }
  };
  return {
    url: `mysql://root@127.0.0.1:3306/${database}`,
    protocols,
    drop: async () => {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    },
  };
}

/** One consumer process: its live stdout (for the commits it logged) and its result. */
interface Running {
  child?: ChildProcess;
  stdout: string;
  result: Promise<AppResult>;
}

function startConsumer(env: NodeJS.ProcessEnv): Running {
  const live: Omit<Running, "result"> = { stdout: "" };
  const result = runApp(CONSUMER, env, {
    killAfterMs: 90_000,
    onSpawn: (child) => {
      live.child = child;
      child.stdout?.on("data", (d: Buffer | string) => {
        live.stdout += String(d);
      });
    },
  });
  return Object.assign(live, { result });
}

/** Records a consumer committed, from its own "micro-batch committed" debug lines. */
const committed = (logs: Array<Record<string, unknown>>) =>
  logs.filter((l) => l.msg === "micro-batch committed").reduce((n, l) => n + Number(l.records), 0);

describe.each([
  { name: "MariaDB", setup: mariaDb },
  { name: "MongoDB (wire stand-in)", setup: mongoStandIn },
])("stomp-consumer ×3 → $name, black box against ActiveMQ", ({ setup }) => {
  it("three consumers on one queue, one SIGKILLed mid-stream: every valid event stored exactly once, the work shared, every invalid one once in the DLQ", async () => {
    const db = await setup();
    const queue = `/queue/${uniqueName("competing")}`;
    const produced = await runApp(
      PRODUCER,
      baseEnv({
        STOMP_DESTINATION: queue,
        COUNT: String(EVENTS),
        SEED: String(SEED),
        INVALID_RATIO: String(INVALID_RATIO),
      }),
      { killAfterMs: 60_000 },
    );
    expect(produced.code, produced.stderr).toBe(0);
    const expected = [...generateEvents(EVENTS, SEED, INVALID_RATIO)];
    const valid = new Set(expected.filter((e) => !e.invalid).map((e) => e.protocol));
    const invalid = expected.filter((e) => e.invalid);
    expect(invalid.length).toBeGreaterThan(0);

    const env = baseEnv({
      STOMP_DESTINATION: queue,
      SINK_URL: db.url,
      RECORD_SCHEMA: "attendance",
      BATCH_MAX_RECORDS: "100",
      BATCH_MAX_MS: "200",
      EXIT_WHEN_IDLE_MS: "3000",
      LOG_LEVEL: "debug",
    });
    const consumers = [startConsumer(env), startConsumer(env), startConsumer(env)];
    await waitFor(
      () => consumers.every((c) => c.stdout.includes('"msg":"micro-batch committed"')),
      60_000,
      "a commit by each of the three consumers",
    );
    const [victim, ...survivors] = consumers as [Running, Running, Running];
    victim.child!.kill("SIGKILL");
    const killed = await victim.result;
    expect(killed.signal).toBe("SIGKILL");
    expect((await db.protocols()).length, "killed mid-stream, not after the drain").toBeLessThan(valid.size);

    const finished = await Promise.all(survivors.map((c) => c.result));
    for (const r of finished) expect(r.code, r.stderr).toBe(0);

    const protocols = await db.protocols();
    expect(protocols).toHaveLength(valid.size);
    expect(new Set(protocols).size).toBe(valid.size);
    expect(protocols.every((p) => valid.has(p))).toBe(true);

    // each process committed a share of the work, by its own logs (a SIGKILL may lose the
    // victim's last unflushed lines, so its count is a lower bound and the shares need not add up)
    const shares = [killed, ...finished].map((r) => committed(r.logs));
    for (const share of shares) expect(share).toBeGreaterThan(0);

    const dlq = await drain(`${queue}.DLQ`);
    expect(dlq).toHaveLength(invalid.length);
    for (const e of invalid) {
      expect(
        dlq.filter((m) => m.body.includes(`"protocol":"${e.protocol}"`)),
        e.protocol,
      ).toHaveLength(1);
    }
    expect(await drain(queue, 500)).toEqual([]);
    await db.drop();
  }, 120_000);
});
