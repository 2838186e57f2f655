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
});
