import { describe, expect, it } from "vitest";
import { AuthError, CancelledError, ConfigError, DataError, TransientError } from "./errors.js";
import type { ProgressEvent } from "./report.js";
import { PipelineError, runPipeline } from "./runner.js";
import { MemoryStateStore } from "./state/memory.js";
import { generateRecords, memorySink, memorySource } from "./testing/index.js";
import type { JsonObject } from "./types.js";

describe("runPipeline", () => {
  it("moves every record of every stream and reports per-stream counts", async () => {
    const source = memorySource({ streams: { a: { records: 1234 }, b: { records: 10 }, c: { records: 0 } } });
    const sink = memorySink();
    const report = await runPipeline({ source, sink });
    expect(report.status).toBe("succeeded");
    expect(sink.tables.get("a")).toHaveLength(1234);
    expect(sink.tables.get("b")).toEqual(generateRecords(10));
    expect(sink.tables.get("c")).toEqual([]);
    const a = report.streams.find((s) => s.stream === "a")!;
    expect(a.records).toBe(1234);
    expect(a.status).toBe("committed");
    expect(a.bytes).toBeGreaterThan(1234 * 20);
    expect(report.records).toBe(1244);
  });

  it("re-chunks source batches to the configured batch size", async () => {
    const source = memorySource({ streams: { a: { records: 1000, batchSize: 7 } } });
    const sink = memorySink();
    await runPipeline({ source, sink, batch: { maxRecords: 300 } });
    const writes = sink.events.filter((e) => e.op === "write").map((e) => (e as { records: number }).records);
    expect(writes).toEqual([300, 300, 300, 100]);
  });

  it("flushes on maxBytes before maxRecords", async () => {
    const big = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, blob: "x".repeat(2000) }));
    const sink = memorySink();
    await runPipeline({
      source: memorySource({ streams: { a: { records: big } } }),
      sink,
      batch: { maxBytes: 5000 },
    });
    const writes = sink.events.filter((e) => e.op === "write").map((e) => (e as { records: number }).records);
    expect(Math.max(...writes)).toBeLessThanOrEqual(3);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it("rejects unknown streams with a ConfigError naming them and the available ones", async () => {
    const source = memorySource({ streams: { contacts: { records: 1 } } });
    const err = await runPipeline({ source, sink: memorySink(), streams: ["contacts", "nope"] }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.cause).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('unknown stream "nope"');
    expect(err.message).toContain("contacts");
  });

  it("validates its own options and lists every bad field", async () => {
    const err = await runPipeline({
      source: memorySource({ streams: {} }),
      sink: memorySink(),
      concurrency: 0,
      batch: { maxRecords: -1 },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      "batch.maxRecords",
      "concurrency",
    ]);
  });

  describe("checkpoints", () => {
    it("saves the checkpoint and calls committed() only after the sink commit", async () => {
      const order: string[] = [];
      const source = memorySource({
        streams: { a: { records: 50, cursorField: "updated_at", checkpointEvery: 10 } },
      });
      const origCommitted = source.committed!.bind(source);
      source.committed = async (stream, cp) => {
        order.push(`committed:${JSON.stringify(cp)}`);
        await origCommitted(stream, cp);
      };
      const sink = memorySink();
      const inner = sink.open.bind(sink);
      sink.open = async (stream, opts) => {
        const w = await inner(stream, opts);
        return {
          write: w.write,
          abort: w.abort,
          commit: async (ctx) => {
            order.push(`commit:${JSON.stringify(ctx.checkpoint)}`);
            return w.commit(ctx);
          },
        };
      };
      const state = new MemoryStateStore();
      const origSave = state.save.bind(state);
      state.save = async (k, cp) => {
        order.push(`save:${k}`);
        await origSave(k, cp);
      };
      await runPipeline({ source, sink, stateStore: state, syncMode: "incremental" });
      expect(order).toEqual(['commit:{"cursor":1050}', "save:memory/a", 'committed:{"cursor":1050}']);
      expect(state.snapshot()).toEqual({ "memory/a": { cursor: 1050 } });
    });

    it("does not advance state when the run fails, and re-reads from the last committed checkpoint", async () => {
      const records = generateRecords(100);
      const state = new MemoryStateStore({ "memory/a": { cursor: 1020 } });
      const failing = memorySource({
        streams: {
          a: {
            records,
            cursorField: "updated_at",
            checkpointEvery: 10,
            failAfter: 50,
            failWith: () => new Error("x"),
          },
        },
      });
      const sink = memorySink();
      await expect(
        runPipeline({ source: failing, sink, stateStore: state, syncMode: "incremental" }),
      ).rejects.toThrow();
      expect(state.snapshot()).toEqual({ "memory/a": { cursor: 1020 } });
      expect(failing.committedCalls).toEqual([]);

      const ok = memorySource({ streams: { a: { records, cursorField: "updated_at" } } });
      await runPipeline({ source: ok, sink, stateStore: state, syncMode: "incremental" });
      expect(ok.reads[0]!.state).toEqual({ cursor: 1020 });
      expect(sink.tables.get("a")).toHaveLength(80);
      expect(state.snapshot()).toEqual({ "memory/a": { cursor: 1100 } });
    });

    it("passes the checkpoint to commit() so a sink can persist it atomically", async () => {
      const sink = memorySink();
      await runPipeline({
        source: memorySource({ streams: { a: { records: 5, cursorField: "updated_at" } } }),
        sink,
        syncMode: "incremental",
      });
      const commit = sink.events.find((e) => e.op === "commit") as { checkpoint: unknown };
      expect(commit.checkpoint).toEqual({ cursor: 1005 });
    });

    it("falls back to a full read, with a warning, for streams without a cursor", async () => {
      const source = memorySource({ streams: { a: { records: 3 } } });
      const report = await runPipeline({ source, sink: memorySink(), syncMode: "incremental" });
      expect(source.reads[0]!.syncMode).toBe("full");
      expect(report.streams[0]!.warnings[0]!.code).toBe("incremental_unsupported");
    });
  });

  describe("failures", () => {
    it("aborts every open writer and commits nothing when one stream fails (commit: all)", async () => {
      const source = memorySource({
        streams: {
          good: { records: 500 },
          bad: {
            records: 500,
            failAfter: 200,
            failWith: () => new DataError("bad record", { stream: "bad", recordId: "r201" }),
          },
        },
      });
      const sink = memorySink();
      sink.tables.set("good", [{ id: "old" }]);
      const err = await runPipeline({ source, sink }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.code).toBe("data_invalid");
      expect(err.message).toContain('recordId="r201"');
      expect(sink.tables.get("good")).toEqual([{ id: "old" }]);
      expect(sink.tables.has("bad")).toBe(false);
      expect(sink.openWriters()).toBe(0);
      const byStream = Object.fromEntries(err.report.streams.map((s: { stream: string }) => [s.stream, s]));
      expect(byStream.bad.status).toBe("failed");
      expect(byStream.bad.error.code).toBe("data_invalid");
      expect(byStream.good.status).toBe("aborted");
      expect(err.report.status).toBe("failed");
    });

    it("aborts remaining writers when a commit fails", async () => {
      const sink = memorySink({ failOnCommit: ["b"] });
      const source = memorySource({ streams: { a: { records: 5 }, b: { records: 5 }, c: { records: 5 } } });
      const err = await runPipeline({ source, sink, concurrency: 3 }).catch((e) => e);
      expect(err.code).toBe("sink_failed");
      expect(sink.tables.has("b")).toBe(false);
      expect(sink.tables.has("c")).toBe(false);
      expect(sink.openWriters()).toBe(0);
    });

    it("retries a stream after a retryable error with a fresh writer", async () => {
      const source = memorySource({ streams: { a: { records: 300, failAfter: 120, failAttempts: 1 } } });
      const sink = memorySink();
      const report = await runPipeline({ source, sink });
      expect(sink.tables.get("a")).toHaveLength(300);
      expect(report.streams[0]!.attempts).toBe(2);
      expect(report.streams[0]!.retries).toBe(1);
      expect(sink.events.filter((e) => e.op === "abort")).toHaveLength(1);
    });

    it("does not retry non-retryable errors", async () => {
      const source = memorySource({
        streams: { a: { records: 300, failAfter: 10, failWith: () => new AuthError("token rejected") } },
      });
      const err = await runPipeline({ source, sink: memorySink() }).catch((e) => e);
      expect(err.code).toBe("auth_failed");
      expect(err.report.streams[0].attempts).toBe(1);
      expect(source.reads).toHaveLength(1);
    });

    it("gives up after streamRetries attempts", async () => {
      const source = memorySource({ streams: { a: { records: 30, failAfter: 5 } } });
      const err = await runPipeline({ source, sink: memorySink(), streamRetries: 1 }).catch((e) => e);
      expect(err.cause).toBeInstanceOf(TransientError);
      expect(source.reads).toHaveLength(2);
    });

    it("commits each stream on its own with commit: per-stream", async () => {
      const source = memorySource({
        streams: { a: { records: 5 }, b: { records: 5, failAfter: 2, failWith: () => new Error("x") } },
      });
      const sink = memorySink();
      await expect(runPipeline({ source, sink, commit: "per-stream", concurrency: 1 })).rejects.toThrow();
      expect(sink.tables.get("a")).toHaveLength(5);
      expect(sink.tables.has("b")).toBe(false);
    });
  });

  describe("back-pressure", () => {
    it("a slow sink slows the source: records in flight stay bounded", async () => {
      const maxRecords = 100;
      let written = 0;
      let maxAhead = 0;
      const source = memorySource({ streams: { a: { records: 5000, batchSize: 50 } } });
      const sink = memorySink({
        writeDelayMs: 2,
        onWrite: (_s, records) => {
          written += records.length;
          maxAhead = Math.max(maxAhead, (source.emitted.get("a") ?? 0) - written);
        },
      });
      await runPipeline({ source, sink, batch: { maxRecords } });
      expect(written).toBe(5000);
      // never more than one runner batch plus one source batch ahead of the sink
      expect(maxAhead).toBeLessThanOrEqual(maxRecords + 50);
    });

    it("keeps live memory flat while a large stream passes through", async () => {
      // 200 MB of ~1 KB records pass through a sink that keeps nothing: the live heap (after a
      // full GC) must not grow with the stream. Catches anything that retains batches.
      const gc = (globalThis as { gc?: () => void }).gc;
      expect(gc, "run tests with --expose-gc (vitest.config.ts execArgv)").toBeTypeOf("function");
      const source = {
        name: "gen",
        async check() {},
        async discover() {
          return [{ name: "big", primaryKey: ["id"] }];
        },
        async *read() {
          for (let b = 0; b < 400; b++) {
            const records: JsonObject[] = [];
            for (let i = 0; i < 500; i++)
              records.push({ id: `${b}-${i}`, pad: `${b}:${i}:`.padEnd(1000, "p") });
            yield { kind: "records" as const, records };
          }
        },
      };
      const live: number[] = [];
      let writes = 0;
      const sink = {
        name: "null",
        async check() {},
        async open() {
          return {
            async write() {
              if (++writes % 40 === 0) {
                gc!();
                live.push(process.memoryUsage().heapUsed);
              }
            },
            async commit() {
              return { records: 0 };
            },
            async abort() {},
          };
        },
      };
      await runPipeline({ source, sink, batch: { maxRecords: 100 } });
      expect(live.length).toBeGreaterThanOrEqual(40);
      const early = live[2]!;
      const late = live[live.length - 1]!;
      // 200 MB went through; a leak of even 10% of it would show
      expect(late - early).toBeLessThan(16 * 1024 * 1024);
    });
  });

  describe("cancellation", () => {
    it("an abort signal stops the run promptly, aborts writers and reports cancelled", async () => {
      const controller = new AbortController();
      const source = memorySource({ streams: { a: { records: 100000, batchSize: 10, delayMs: 5 } } });
      const sink = memorySink();
      setTimeout(() => controller.abort(), 50);
      const err = await runPipeline({ source, sink, signal: controller.signal }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect(err.cause).toBeInstanceOf(CancelledError);
      expect(err.report.status).toBe("cancelled");
      expect(err.report.streams[0].status).toBe("cancelled");
      expect(sink.tables.has("a")).toBe(false);
      expect(sink.openWriters()).toBe(0);
      expect(source.emitted.get("a") ?? 0).toBeLessThan(100000);
    });

    it("stops even when the source ignores the signal", async () => {
      const controller = new AbortController();
      const source = memorySource({
        streams: { a: { records: 10, batchSize: 1, delayMs: 60_000, ignoreSignal: true } },
      });
      const sink = memorySink();
      setTimeout(() => controller.abort(), 20);
      const err = await runPipeline({ source, sink, signal: controller.signal }).catch((e) => e);
      expect(err.code).toBe("cancelled");
      expect(sink.openWriters()).toBe(0);
    });

    it("an already-aborted signal runs nothing", async () => {
      const controller = new AbortController();
      controller.abort();
      const source = memorySource({ streams: { a: { records: 10 } } });
      const err = await runPipeline({ source, sink: memorySink(), signal: controller.signal }).catch(
        (e) => e,
      );
      expect(err.code).toBe("cancelled");
      expect(source.reads).toHaveLength(0);
    });
  });

  describe("progress and concurrency", () => {
    it("emits progress with rate and ETA when the total is known", async () => {
      const events: ProgressEvent[] = [];
      const source = memorySource({
        streams: { a: { records: 2000, batchSize: 100, delayMs: 5, reportTotal: true } },
      });
      await runPipeline({
        source,
        sink: memorySink(),
        onProgress: (e) => events.push(e),
        progressIntervalMs: 20,
      });
      const running = events.filter((e) => e.status === "running" && e.records > 0);
      expect(running.length).toBeGreaterThan(0);
      const last = running[running.length - 1]!;
      expect(last.total).toBe(2000);
      expect(last.rate).toBeGreaterThan(0);
      expect(last.etaSeconds).toBeTypeOf("number");
      const counts = running.map((e) => e.records);
      expect([...counts].sort((x, y) => x - y)).toEqual(counts);
    });

    it("runs at most `concurrency` streams at once", async () => {
      let active = 0;
      let peak = 0;
      const streams = Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`s${i}`, { records: 20, batchSize: 5, delayMs: 5 }]),
      );
      const source = memorySource({ streams });
      const inner = source.read.bind(source);
      source.read = async function* (stream, opts) {
        active++;
        peak = Math.max(peak, active);
        try {
          yield* inner(stream, opts);
        } finally {
          active--;
        }
      };
      await runPipeline({ source, sink: memorySink(), concurrency: 2 });
      expect(peak).toBe(2);
    });
  });
});

describe("estimateBytes", () => {
  it("is exact for small batches and close for large uniform ones", async () => {
    const { estimateBytes } = await import("./runner.js");
    const small = generateRecords(10);
    expect(estimateBytes(small)).toBe(small.reduce((n, r) => n + JSON.stringify(r).length + 1, 0));
    const large = generateRecords(5000);
    const exact = large.reduce((n, r) => n + JSON.stringify(r).length + 1, 0);
    expect(Math.abs(estimateBytes(large) - exact) / exact).toBeLessThan(0.05);
  });

  it("prefers the byte count a source reports", async () => {
    const sink = memorySink();
    const source = memorySource({ streams: { a: { records: 10 } } });
    const inner = source.read.bind(source);
    source.read = async function* (stream, opts) {
      for await (const m of inner(stream, opts)) yield m.kind === "records" ? { ...m, bytes: 12345 } : m;
    };
    const report = await runPipeline({ source, sink });
    expect(report.streams[0]!.bytes).toBe(12345);
  });
});
