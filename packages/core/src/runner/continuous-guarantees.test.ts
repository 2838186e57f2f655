import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "../state/memory.js";
import { memoryBroker, memorySink } from "../testing/index.js";
import type { JsonObject, Source } from "../types.js";
import { PipelineError } from "./batch.js";
import { runContinuous } from "./continuous.js";

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("continuous delivery guarantees", () => {
  it("100k records with random crashes between commit and ack land exactly once (upsert)", async () => {
    const total = 100_000;
    const broker = memoryBroker({ streams: ["events"], prefetch: 5000, batchSize: 250 });
    const published: JsonObject[] = Array.from({ length: total }, (_, i) => ({
      id: `e${i}`,
      seq: i,
      body: `b${i % 97}`,
    }));
    broker.publish("events", published);
    broker.end();
    const sink = memorySink();
    const stateStore = new MemoryStateStore();
    const random = prng(20261203);
    let crashes = 0;
    let redeliveries = 0;
    for (let attempt = 0; broker.acked("events") < total; attempt++) {
      expect(attempt, "the runs make progress").toBeLessThan(200);
      const consumer = broker.consumer({ crashBeforeAck: () => random() < 0.08 });
      try {
        const report = await runContinuous({
          source: consumer,
          sink,
          stateStore,
          batch: { maxRecords: 1000 },
        });
        redeliveries += report.streams[0]!.redeliveries ?? 0;
      } catch (error) {
        expect(error).toBeInstanceOf(PipelineError);
        expect((error as PipelineError).message).toContain("injected crash before ack");
        redeliveries += (error as PipelineError).report.streams[0]!.redeliveries ?? 0;
        crashes++;
      }
    }
    expect(crashes).toBeGreaterThan(0);
    expect(redeliveries).toBeGreaterThan(0);
    const landed = sink.tables.get("events")!;
    expect(landed).toHaveLength(total);
    expect(new Set(landed.map((r) => r.id)).size).toBe(total);
    expect([...landed].sort((a, b) => (a.seq as number) - (b.seq as number))).toEqual(published);
    expect(stateStore.snapshot()).toEqual({ "broker/events": { seq: total } });
  });

  it("a slow sink keeps memory flat while the source could produce far faster", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "run tests with --expose-gc (vitest.config.ts execArgv)").toBeTypeOf("function");
    const maxUnacked = 2000;
    let yielded = 0;
    let acked = 0;
    let maxOutstanding = 0;
    const source: Source = {
      name: "firehose",
      continuous: { maxUnacked },
      async discover() {
        return [{ name: "events", primaryKey: ["id"] }];
      },
      // produces as fast as it is pulled: unbounded, 1 KB records, a checkpoint per 100
      async *read() {
        for (let b = 0; ; b++) {
          const records: JsonObject[] = [];
          for (let i = 0; i < 100; i++)
            records.push({ id: `${b}-${i}`, pad: `${b}:${i}:`.padEnd(1000, "p") });
          yielded += 100;
          maxOutstanding = Math.max(maxOutstanding, yielded - acked);
          yield { kind: "records", records };
          yield { kind: "checkpoint", checkpoint: { seq: yielded } };
        }
      },
      async committed(_s, cp) {
        acked = Number(cp.seq);
      },
    };
    // a null sink that takes 5 ms per commit and keeps nothing
    let commits = 0;
    const heap: number[] = [];
    const rss: number[] = [];
    const controller = new AbortController();
    const sink = {
      name: "slow-null",
      capabilities: { continuous: true },
      async open() {
        return {
          async write() {},
          async commit() {
            await new Promise((r) => setTimeout(r, 5));
            if (++commits % 10 === 0) {
              gc!();
              heap.push(process.memoryUsage().heapUsed);
              rss.push(process.memoryUsage().rss);
            }
            if (commits === 120) controller.abort();
            return { records: 0 };
          },
          async abort() {},
          async close() {},
        };
      },
    };
    const started = Date.now();
    const report = await runContinuous({
      source,
      sink,
      signal: controller.signal,
      batch: { maxRecords: 500 },
    });
    const elapsedS = (Date.now() - started) / 1000;
    expect(report.drained).toBe(true);
    expect(report.records).toBeGreaterThanOrEqual(500 * 119);
    // the source was held to the sink's pace: never more than maxUnacked outstanding
    expect(maxOutstanding).toBeLessThanOrEqual(maxUnacked);
    expect(yielded - acked).toBeLessThanOrEqual(maxUnacked);
    // 60 MB went through; the live heap stays within a few MB of where it started
    expect(heap.length).toBeGreaterThanOrEqual(10);
    expect(heap.at(-1)! - heap[1]!).toBeLessThan(8 * 1024 * 1024);
    // RSS: the test worker's own baseline (vitest + every module it loaded) is not the runner's;
    // what the run adds on top of the first sample must stay small while 60 MB flow through
    expect(Math.max(...rss) - rss[0]!).toBeLessThan(64 * 1024 * 1024);
    expect(report.records / elapsedS).toBeGreaterThan(0);
  });
});
