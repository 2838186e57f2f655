import { describe, expect, it } from "vitest";
import { ConfigError, DataError, SinkError, TransientError } from "../errors.js";
import type { ProgressEvent } from "../report.js";
import { MemoryStateStore } from "../state/memory.js";
import { manualClock, memoryBroker, memorySink, settle } from "../testing/index.js";
import type { JsonObject, Source } from "../types.js";
import { PipelineError } from "./batch.js";
import { runContinuous } from "./continuous.js";

const rec = (i: number, v = 1): JsonObject => ({ id: `m${i}`, n: i, v });
const range = (from: number, to: number, v = 1) =>
  Array.from({ length: to - from }, (_, k) => rec(from + k, v));

describe("runContinuous", () => {
  it("commits micro-batches at checkpoints, then saves state, then acknowledges", async () => {
    const broker = memoryBroker({ streams: ["events"], batchSize: 10, prefetch: 500 });
    broker.publish("events", range(0, 95));
    broker.end();
    const order: string[] = [];
    const source = broker.consumer();
    const committed = source.committed!.bind(source);
    source.committed = async (s, cp) => {
      order.push(`ack:${cp.seq}`);
      await committed(s, cp);
    };
    const state = new MemoryStateStore();
    const save = state.save.bind(state);
    state.save = async (k, cp) => {
      order.push(`save:${cp.seq}`);
      await save(k, cp);
    };
    const sink = memorySink({ persistCheckpoint: true });
    const report = await runContinuous({ source, sink, stateStore: state, batch: { maxRecords: 30 } });
    expect(report.status).toBe("succeeded");
    expect(sink.tables.get("events")).toEqual(range(0, 95));
    const commits = sink.events.filter((e) => e.op === "commit");
    // cut only at checkpoints (every 10 messages), at most 30 records each
    expect(commits.map((c) => (c as { records: number }).records)).toEqual([30, 30, 30, 5]);
    expect(order).toEqual([
      "save:30",
      "ack:30",
      "save:60",
      "ack:60",
      "save:90",
      "ack:90",
      "save:95",
      "ack:95",
    ]);
    expect(sink.checkpoints.get("broker/events")).toEqual({ seq: 95 });
    expect(broker.acked("events")).toBe(95);
    // one long-lived writer (the sink offers continuous delivery), closed at the end
    expect(sink.events.filter((e) => e.op === "open")).toEqual([
      { op: "open", stream: "events", mode: "upsert", delivery: "continuous" },
    ]);
    expect(sink.events.at(-1)).toEqual({ op: "close", stream: "events" });
    const s = report.streams[0]!;
    expect(s).toMatchObject({ status: "committed", records: 95, commits: 4, deadLetters: 0, lagMs: 0 });
    expect(s.commitLatencyMs!.p99).toBeGreaterThanOrEqual(s.commitLatencyMs!.p50);
  });

  it("opens a fresh writer per micro-batch on a sink without continuous delivery", async () => {
    const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
    broker.publish("events", range(0, 40));
    broker.end();
    const sink = memorySink({ capabilities: { writeModes: ["append"] } });
    const report = await runContinuous({ source: broker.consumer(), sink, batch: { maxRecords: 20 } });
    expect(report.streams[0]!.writeMode).toBe("append");
    expect(sink.events.filter((e) => e.op === "open")).toHaveLength(2);
    expect(
      sink.events.filter((e) => e.op === "open").every((e) => "delivery" in e && e.delivery === "batch"),
    ).toBe(true);
    expect(sink.tables.get("events")).toHaveLength(40);
    expect(sink.openWriters()).toBe(0);
  });

  it("an idle source gets its partial batch committed within maxLatencyMs (timer from the first record)", async () => {
    const clock = manualClock();
    const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
    const sink = memorySink();
    const controller = new AbortController();
    const run = runContinuous({
      source: broker.consumer(),
      sink,
      clock,
      signal: controller.signal,
      batch: { maxRecords: 100, maxLatencyMs: 1000 },
    });
    await clock.advance(5000); // nothing published: no commit, no matter how long
    expect(sink.events.filter((e) => e.op === "commit")).toHaveLength(0);
    broker.publish("events", range(0, 3));
    await settle();
    await clock.advance(999);
    expect(sink.tables.get("events")).toBeUndefined();
    broker.publish("events", range(3, 5)); // later records do not restart the timer
    await clock.advance(1);
    expect(sink.tables.get("events")).toHaveLength(5);
    expect(broker.acked("events")).toBe(5);
    controller.abort();
    const report = await run;
    expect(report.drained).toBe(true);
    expect(report.streams[0]!.commits).toBe(1);
  });

  it("never holds more than the source's maxUnacked outstanding, and stops pulling while the sink commits", async () => {
    let yielded = 0;
    let acked = 0;
    let maxOutstanding = 0;
    const source: Source = {
      name: "firehose",
      continuous: { maxUnacked: 100 },
      async discover() {
        return [{ name: "events", primaryKey: ["id"] }];
      },
      async *read() {
        for (let i = 0; i < 2000; i++) {
          yielded++;
          maxOutstanding = Math.max(maxOutstanding, yielded - acked);
          yield { kind: "records", records: [rec(i)] };
          yield { kind: "checkpoint", checkpoint: { seq: i + 1 } };
        }
      },
      async committed(_s, cp) {
        acked = Number(cp.seq);
      },
    };
    const sink = memorySink({ commitDelayMs: 2 });
    await runContinuous({ source, sink, batch: { maxRecords: 50 } });
    expect(sink.tables.get("events")).toHaveLength(2000);
    expect(acked).toBe(2000);
    expect(maxOutstanding).toBeLessThanOrEqual(100);
  });

  it("refuses a batch larger than the source can hold unacknowledged, and replace", async () => {
    const broker = memoryBroker({ streams: ["events"], prefetch: 100 });
    const err = await runContinuous({
      source: broker.consumer(),
      sink: memorySink(),
      batch: { maxRecords: 500 },
    }).catch((e) => e);
    expect(err.cause).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(
      "batch.maxRecords: 500 exceeds what broker can hold unacknowledged (maxUnacked 100)",
    );
    const replace = await runContinuous({
      source: broker.consumer(),
      sink: memorySink(),
      writeMode: "replace",
    }).catch((e) => e);
    expect(replace.message).toContain("replace cannot commit in steps");
  });

  describe("dead letters", () => {
    it("poison messages and transform DataErrors reach a dead-letter sink with their reason, before the covering commit", async () => {
      const broker = memoryBroker({ streams: ["events"], batchSize: 5 });
      broker.publish("events", range(0, 4));
      broker.publishPoison("events", "{not json");
      broker.publish("events", [...range(4, 6), { id: "bad", n: -1 }]);
      broker.end();
      const sink = memorySink();
      const dlq = memorySink({ name: "dlq" });
      const report = await runContinuous({
        source: broker.consumer(),
        sink,
        deadLetter: { sink: dlq },
        transform: (r) => {
          if ((r.n as number) < 0)
            throw new DataError("n must be positive", { field: "n", recordId: String(r.id) });
          return r;
        },
      });
      expect(sink.tables.get("events")).toEqual(range(0, 6));
      const letters = dlq.tables.get("dead_letters")!;
      expect(letters.map((l) => [l.code, l.stream])).toEqual([
        ["invalid_json", "events"],
        ["transform_failed", "events"],
      ]);
      expect(letters[0]).toMatchObject({
        reason: "message body is not JSON",
        payload: "{not json",
        metadata: { messageId: 5 },
      });
      expect(letters[1]!.reason).toContain("n must be positive");
      expect(letters[1]!.payload).toEqual({ id: "bad", n: -1 });
      expect(report.deadLetters).toBe(2);
      expect(report.streams[0]!.deadLetters).toBe(2);
      expect(broker.acked("events")).toBe(8);
    });

    it("routes to the source's own mechanism with deadLetter: source", async () => {
      const broker = memoryBroker({ streams: ["events"] });
      broker.publishPoison("events", "\u0000");
      broker.publish("events", range(0, 2));
      broker.end();
      const sink = memorySink();
      await runContinuous({ source: broker.consumer(), sink, deadLetter: "source" });
      expect(broker.deadLettered).toHaveLength(1);
      expect(broker.deadLettered[0]).toMatchObject({
        stream: "events",
        code: "invalid_json",
        payload: "\u0000",
      });
      expect(broker.acked("events")).toBe(3);
    });

    it("without a target a dead letter fails the run naming stream and message id, unacknowledged", async () => {
      const broker = memoryBroker({ streams: ["events"], batchSize: 3 });
      broker.publish("events", range(0, 3));
      broker.publishPoison("events", "secret-looking payload");
      broker.end();
      const err = await runContinuous({
        source: broker.consumer(),
        sink: memorySink(),
        batch: { maxRecords: 100 },
      }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.code).toBe("data_invalid");
      expect(err.message).toContain('stream="events"');
      expect(err.message).toContain('recordId="4"');
      expect(err.message).not.toContain("secret-looking");
      expect(broker.acked("events")).toBeLessThan(4);
    });
  });

  describe("commit failures", () => {
    it("retries a retryable commit failure with backoff on a fresh writer", async () => {
      const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
      broker.publish("events", range(0, 30));
      broker.end();
      const sink = memorySink({
        commitFault: ({ commit }) => (commit <= 2 ? new TransientError("connection reset") : undefined),
      });
      const report = await runContinuous({
        source: broker.consumer(),
        sink,
        commitBackoffMs: 1,
        batch: { maxRecords: 10 },
      });
      expect(sink.tables.get("events")).toEqual(range(0, 30));
      expect(report.streams[0]!.retries).toBe(2);
      expect(sink.events.filter((e) => e.op === "abort")).toHaveLength(2);
      expect(broker.acked("events")).toBe(30);
    });

    it("stops on a non-retryable failure with the batch unacknowledged and the writer aborted", async () => {
      const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
      broker.publish("events", range(0, 30));
      broker.end();
      const sink = memorySink({
        commitFault: ({ commit }) => (commit === 2 ? new SinkError("constraint violated") : undefined),
      });
      const err = await runContinuous({ source: broker.consumer(), sink, batch: { maxRecords: 10 } }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.message).toBe("constraint violated");
      expect(err.report.streams[0]).toMatchObject({ status: "failed", records: 10, commits: 1 });
      expect(broker.acked("events")).toBe(10);
      expect(sink.tables.get("events")).toEqual(range(0, 10));
      expect(sink.openWriters()).toBe(0);
    });
  });

  describe("drain", () => {
    it("on abort: stops pulling, commits what is staged, acknowledges exactly what landed", async () => {
      const broker = memoryBroker({ streams: ["events"], batchSize: 7 });
      const sink = memorySink({ commitDelayMs: 1 });
      const controller = new AbortController();
      let published = 0;
      const producer = setInterval(() => {
        broker.publish("events", range(published, published + 20));
        published += 20;
      }, 1);
      const run = runContinuous({
        source: broker.consumer(),
        sink,
        signal: controller.signal,
        batch: { maxRecords: 50, maxLatencyMs: 5 },
      });
      setTimeout(() => controller.abort(), 60);
      const report = await run;
      clearInterval(producer);
      expect(report.status).toBe("succeeded");
      expect(report.drained).toBe(true);
      const landed = sink.tables.get("events") ?? [];
      expect(landed.length).toBeGreaterThan(0);
      expect(broker.acked("events")).toBe(landed.length);
      expect(landed).toEqual(range(0, landed.length));
      expect(report.records).toBe(landed.length);
      expect(sink.openWriters()).toBe(0);
    });

    it("the drain timeout aborts the open batch: nothing half-landed, nothing acknowledged", async () => {
      const clock = manualClock();
      const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
      broker.publish("events", range(0, 10));
      const sink = memorySink({ commitDelayMs: 60_000 });
      const controller = new AbortController();
      const run = runContinuous({
        source: broker.consumer(),
        sink,
        clock,
        signal: controller.signal,
        drainTimeoutMs: 100,
        batch: { maxRecords: 10 },
      }).catch((e) => e);
      await settle();
      controller.abort();
      await clock.advance(100);
      const err = await run;
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.code).toBe("cancelled");
      expect(err.report.status).toBe("cancelled");
      expect(sink.tables.get("events")).toBeUndefined();
      expect(broker.acked("events")).toBe(0);
      expect(sink.openWriters()).toBe(0);
    });

    it("exitWhenIdleMs drains and returns once the source has been quiet that long", async () => {
      const clock = manualClock();
      const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
      broker.publish("events", range(0, 12));
      const sink = memorySink();
      const run = runContinuous({
        source: broker.consumer(),
        sink,
        clock,
        exitWhenIdleMs: 500,
        batch: { maxLatencyMs: 100 },
      });
      await clock.advance(100);
      expect(sink.tables.get("events")).toHaveLength(12);
      await clock.advance(400);
      const report = await run;
      expect(report.drained).toBe(true);
      expect(broker.acked("events")).toBe(12);
    });
  });

  it("reports progress, commits, redeliveries and rates", async () => {
    const broker = memoryBroker({ streams: ["events"], batchSize: 10 });
    broker.publish("events", range(0, 40));
    broker.end();
    const crashed = await runContinuous({
      source: broker.consumer({ crashBeforeAck: (n) => n === 2 }),
      sink: memorySink(),
      batch: { maxRecords: 10 },
    }).catch((e) => e);
    expect(crashed.message).toContain("injected crash before ack #2");
    const progress: ProgressEvent[] = [];
    const commits: number[] = [];
    const report = await runContinuous({
      source: broker.consumer(),
      sink: memorySink(),
      batch: { maxRecords: 10 },
      onProgress: (p) => progress.push(p),
      onCommit: (c) => commits.push(c.records),
    });
    expect(report.streams[0]!.redeliveries).toBeGreaterThanOrEqual(10);
    expect(commits.reduce((a, b) => a + b, 0)).toBe(30);
    expect(progress.at(-1)).toMatchObject({ stream: "events", records: 30 });
    expect(report.streams[0]!.recordsPerSecond).toBeGreaterThan(0);
  });
});
