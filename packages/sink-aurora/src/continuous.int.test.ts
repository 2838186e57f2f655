import { randomBytes } from "node:crypto";
import { PipelineError, runContinuous } from "@sluice/core";
import { defaultConformanceRecord } from "@sluice/core/conformance";
import { memoryBroker } from "@sluice/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auroraSink } from "./index.js";
import { createTestDatabase, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe("runContinuous into MariaDB (upsert per micro-batch)", () => {
  it("crashes between commit and ack redeliver, and every record lands exactly once", async () => {
    const table = `cont_${randomBytes(4).toString("hex")}`;
    const sink = auroraSink({ url: db.url, tables: { contacts: table } });
    const total = 3000;
    const broker = memoryBroker({ streams: ["contacts"], prefetch: 1000, batchSize: 100 });
    broker.publish(
      "contacts",
      Array.from({ length: total }, (_, i) => defaultConformanceRecord(i, 1)),
    );
    broker.end();
    let crashes = 0;
    try {
      // every third acknowledgement of the first consumers crashes after the commit
      for (let attempt = 0; broker.acked("contacts") < total; attempt++) {
        expect(attempt).toBeLessThan(30);
        const consumer = broker.consumer({ crashBeforeAck: (n) => attempt < 4 && n === 3 });
        await runContinuous({ source: consumer, sink, batch: { maxRecords: 250 } }).catch((e: unknown) => {
          expect(e).toBeInstanceOf(PipelineError);
          crashes++;
        });
      }
    } finally {
      await sink.close();
    }
    expect(crashes).toBe(4);
    const [rows] = await db.conn.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM \`${table}\``);
    expect((rows as Array<{ n: number; ids: number }>)[0]).toEqual({ n: total, ids: total });
  });

  it("a drain mid-stream commits what is staged and acknowledges exactly what landed", async () => {
    const table = `drain_${randomBytes(4).toString("hex")}`;
    const sink = auroraSink({ url: db.url, tables: { contacts: table } });
    const broker = memoryBroker({ streams: ["contacts"], prefetch: 1000, batchSize: 50 });
    const controller = new AbortController();
    let published = 0;
    const producer = setInterval(() => {
      broker.publish(
        "contacts",
        Array.from({ length: 50 }, (_, k) => defaultConformanceRecord(published + k, 1)),
      );
      published += 50;
      if (published >= 1500) controller.abort();
    }, 2);
    try {
      const report = await runContinuous({
        source: broker.consumer(),
        sink,
        signal: controller.signal,
        batch: { maxRecords: 200, maxLatencyMs: 20 },
      });
      expect(report.drained).toBe(true);
      const [rows] = await db.conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      const landed = Number((rows as Array<{ n: number }>)[0]!.n);
      expect(landed).toBeGreaterThan(0);
      expect(broker.acked("contacts")).toBe(landed);
      expect(report.records).toBe(landed);
    } finally {
      clearInterval(producer);
      await sink.close();
    }
  });

  it("poison messages reach a dead-letter table with their reason, and the rest lands", async () => {
    const suffix = randomBytes(4).toString("hex");
    const sink = auroraSink({
      url: db.url,
      tables: { contacts: `dl_data_${suffix}`, dead_letters: `dl_${suffix}` },
    });
    const broker = memoryBroker({ streams: ["contacts"] });
    broker.publish("contacts", [defaultConformanceRecord(1, 1)]);
    broker.publishPoison("contacts", "{truncated");
    broker.publish("contacts", [defaultConformanceRecord(2, 1)]);
    broker.end();
    try {
      const report = await runContinuous({ source: broker.consumer(), sink, deadLetter: { sink } });
      expect(report.deadLetters).toBe(1);
      expect(broker.acked("contacts")).toBe(3);
      const [rows] = await db.conn.query(`SELECT raw FROM \`dl_${suffix}\``);
      const letters = (rows as Array<{ raw: unknown }>).map((r) =>
        typeof r.raw === "string" ? JSON.parse(r.raw) : r.raw,
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        stream: "contacts",
        code: "invalid_json",
        reason: "message body is not JSON",
        payload: "{truncated",
        metadata: { messageId: 2 },
      });
    } finally {
      await sink.close();
    }
  });
});
