import { describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../errors.js";
import { MemoryStateStore } from "../state/memory.js";
import { generateRecords, memorySink, memorySource } from "../testing/index.js";
import type { JsonObject, Source } from "../types.js";
import { PipelineError, runPipeline } from "./batch.js";
import { estimateBytes } from "./util.js";

describe("runPipeline stages", () => {
  describe("write mode derived from the sink's capabilities", () => {
    it("incremental into a sink without upsert appends (the README's S3 example)", async () => {
      const sink = memorySink({ capabilities: { writeModes: ["replace", "append"] } });
      const source = memorySource({ streams: { a: { records: 20, cursorField: "updated_at" } } });
      const report = await runPipeline({ source, sink, syncMode: "incremental" });
      expect(report.streams[0]!.writeMode).toBe("append");
      expect(sink.events.find((e) => e.op === "open")).toMatchObject({ mode: "append" });
      expect(sink.tables.get("a")).toHaveLength(20);
    });

    it("full reads replace; incremental ones upsert where the sink can", async () => {
      const source = memorySource({ streams: { a: { records: 3, cursorField: "updated_at" } } });
      const full = await runPipeline({ source, sink: memorySink() });
      const inc = await runPipeline({ source, sink: memorySink(), syncMode: "incremental" });
      expect(full.streams[0]!.writeMode).toBe("replace");
      expect(inc.streams[0]!.writeMode).toBe("upsert");
    });

    it("an explicit mode the sink does not support is a ConfigError before anything is read", async () => {
      const sink = memorySink({ capabilities: { writeModes: ["replace", "append"] } });
      const source = memorySource({ streams: { a: { records: 3 } } });
      const err = await runPipeline({ source, sink, writeMode: "upsert" }).catch((e) => e);
      expect(err.cause).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("memory supports replace, append, not upsert");
      expect(source.reads).toHaveLength(0);
    });
  });

  it("commit all: a failing commit reports earlier streams committed, the failing one failed, later ones aborted", async () => {
    const sink = memorySink({ failOnCommit: ["b"] });
    const source = memorySource({ streams: { a: { records: 5 }, b: { records: 5 }, c: { records: 5 } } });
    const err = await runPipeline({ source, sink, concurrency: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    const status = Object.fromEntries(
      err.report.streams.map((s: { stream: string; status: string }) => [s.stream, s.status]),
    );
    expect(status).toEqual({ a: "committed", b: "failed", c: "aborted" });
    const b = err.report.streams.find((s: { stream: string }) => s.stream === "b");
    expect(b.error).toEqual({ code: "sink_failed", message: "injected commit failure for b" });
    expect(sink.tables.get("a")).toHaveLength(5);
    expect(sink.tables.has("c")).toBe(false);
  });

  it("commit all with more streams than the sink can hold open is a ConfigError up front", async () => {
    const sink = memorySink({ capabilities: { maxOpenWriters: 2 } });
    const source = memorySource({ streams: { a: { records: 1 }, b: { records: 1 }, c: { records: 1 } } });
    const err = await runPipeline({ source, sink }).catch((e) => e);
    expect(err.cause).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("3 streams, but memory holds at most 2 writers");
    expect(source.reads).toHaveLength(0);
    // per-stream commits never hold more than the pool
    const ok = await runPipeline({ source, sink, commit: "per-stream", concurrency: 8 });
    expect(ok.status).toBe("succeeded");
    expect(sink.maxConcurrentWriters()).toBeLessThanOrEqual(2);
  });

  it("a source without discover runs the streams (or descriptors) it is given", async () => {
    const source: Source = {
      name: "bare",
      async *read(stream) {
        yield { kind: "records", records: [{ id: `${stream}-1` }] };
      },
    };
    const sink = memorySink();
    await runPipeline({ source, sink, streams: ["x"] });
    expect(sink.tables.get("x")).toEqual([{ id: "x-1" }]);
    const keyed = await runPipeline({
      source,
      sink,
      descriptors: [{ name: "y", primaryKey: ["id"] }],
      writeMode: "upsert",
    });
    expect(keyed.streams.map((s) => s.stream)).toEqual(["y"]);
    const err = await runPipeline({ source, sink }).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toContain("bare has no discover()");
  });

  describe("commitEveryCheckpoints", () => {
    it("commits and acknowledges on the way, so a failed read resumes near where it died", async () => {
      const records = generateRecords(100);
      const state = new MemoryStateStore();
      const sink = memorySink();
      const dying = memorySource({
        streams: {
          a: {
            records,
            batchSize: 10,
            cursorField: "updated_at",
            checkpointEvery: 10,
            failAfter: 75,
            failWith: () => new Error("connection lost"),
          },
        },
      });
      const common = { sink, stateStore: state, syncMode: "incremental" as const, commitEveryCheckpoints: 3 };
      const err = await runPipeline({ source: dying, ...common }).catch((e) => e);
      expect(err).toBeInstanceOf(PipelineError);
      // checkpoints after 10..70 records; commits at 30 and 60
      expect(dying.committedCalls.map((c) => c.checkpoint)).toEqual([{ cursor: 1030 }, { cursor: 1060 }]);
      expect(state.snapshot()).toEqual({ "memory/a": { cursor: 1060 } });
      expect(sink.tables.get("a")).toHaveLength(60);

      const resumed = memorySource({
        streams: { a: { records, batchSize: 10, cursorField: "updated_at", checkpointEvery: 10 } },
      });
      const report = await runPipeline({ source: resumed, ...common });
      expect(resumed.reads[0]!.state).toEqual({ cursor: 1060 });
      expect(sink.tables.get("a")).toEqual(records);
      expect(report.streams[0]!.writeMode).toBe("upsert");
      // checkpoints at 1070, 1080, 1090 (commit), 1100, then the final commit
      expect(report.streams[0]!.commits).toBe(2);
    });

    it("refuses replace, which cannot commit in steps", async () => {
      const source = memorySource({ streams: { a: { records: 1 } } });
      const err = await runPipeline({
        source,
        sink: memorySink(),
        writeMode: "replace",
        commitEveryCheckpoints: 2,
      }).catch((e) => e);
      expect(err.cause).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("replace cannot commit in steps");
    });

    it("keeps one long-lived writer on a sink with continuous capability", async () => {
      const sink = memorySink({ capabilities: { continuous: true } });
      const source = memorySource({
        streams: { a: { records: 50, batchSize: 10, cursorField: "updated_at", checkpointEvery: 10 } },
      });
      await runPipeline({ source, sink, syncMode: "incremental", commitEveryCheckpoints: 2 });
      expect(sink.events.filter((e) => e.op === "open")).toHaveLength(1);
      // six checkpoints (every 10 records, and the last again at the end): three on the way, one final
      expect(sink.events.filter((e) => e.op === "commit")).toHaveLength(4);
      expect(sink.events.at(-1)).toEqual({ op: "close", stream: "a" });
      expect(sink.tables.get("a")).toHaveLength(50);
    });
  });

  it("a record nested too deeply to serialise is a DataError naming stream and record id", () => {
    const deep: JsonObject = { id: "r42" };
    let cur = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: JsonObject = {};
      cur.child = next;
      cur = next;
    }
    const err = (() => {
      try {
        estimateBytes([deep], "events");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).location).toEqual({ stream: "events", recordId: "r42" });
  });
});
