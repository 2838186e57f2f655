import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../logger.js";
import { PipelineError, runPipeline } from "../runner.js";
import { memorySource } from "../testing/memory-source.js";
import type { JsonObject, Sink, StreamDescriptor, WriteMode } from "../types.js";

export interface ConformanceTarget {
  sink: Sink;
  /** What a reader sees for the stream right now ([] when the target does not exist yet). */
  read(stream: StreamDescriptor): Promise<JsonObject[]>;
  cleanup?(): Promise<void>;
}

export interface SinkConformanceOptions {
  /** Suite name, e.g. "s3Sink (jsonl)". */
  name: string;
  /** A fresh, empty target for every test. */
  setup(): Promise<ConformanceTarget>;
  /** The stream written; default a contacts stream keyed by id. */
  stream?: StreamDescriptor;
  /** Write modes the sink supports; default all three. */
  modes?: WriteMode[];
  /** Builds record i of dataset `version`; default contact-shaped records. */
  makeRecord?(i: number, version: number): JsonObject;
  /** Normalises a record read back for comparison; default `{ id: String(id), name }`. */
  project?(record: JsonObject): JsonObject;
}

const UNICODE = ["Zoë 😀", "مرحبا بالعالم", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎", 'tab\tnew\nline "quoted" \\ back'];

export function defaultConformanceRecord(i: number, version: number): JsonObject {
  return {
    type: "contact",
    id: `c${String(i).padStart(6, "0")}`,
    external_id: `ext-${i}`,
    role: i % 3 === 0 ? "lead" : "user",
    email: `user${i}@example.com`,
    name: `${UNICODE[i % UNICODE.length]} #${i} v${version}`,
    created_at: 1_700_000_000 + i,
    updated_at: 1_700_000_000 + i + version * 1000,
    custom_attributes: { plan: version % 2 ? "pro" : "free", seats: i, "The One Ring": i % 2 === 0 },
  };
}

/**
 * The conformance suite every Sink passes: nothing visible before commit, abort leaves the
 * target exactly as it was, a failed run changes nothing, and replace/append/upsert semantics.
 * Call it at the top level of a `*.test.ts` / `*.int.test.ts` file.
 */
export function runSinkConformance(options: SinkConformanceOptions): void {
  const stream: StreamDescriptor = options.stream ?? {
    name: "contacts",
    primaryKey: ["id"],
    cursorField: "updated_at",
  };
  const modes = options.modes ?? ["replace", "append", "upsert"];
  const make = options.makeRecord ?? defaultConformanceRecord;
  const project = options.project ?? ((r: JsonObject) => ({ id: String(r.id), name: r.name ?? null }));
  const dataset = (from: number, to: number, version: number) =>
    Array.from({ length: to - from }, (_, k) => make(from + k, version));
  const canonical = (records: JsonObject[]) =>
    records
      .map(project)
      .sort(
        (a, b) =>
          String(a.id).localeCompare(String(b.id)) || JSON.stringify(a).localeCompare(JSON.stringify(b)),
      );

  let target: ConformanceTarget | undefined;
  const fresh = async () => {
    target = await options.setup();
    return target;
  };
  const session = async (
    t: ConformanceTarget,
    mode: WriteMode,
    records: JsonObject[],
    end: "commit" | "abort",
  ) => {
    const writer = await t.sink.open(stream, {
      mode,
      runId: `conf-${Math.random().toString(36).slice(2, 10)}`,
      runStartedAt: new Date(),
      signal: new AbortController().signal,
      logger: silentLogger(),
    });
    for (let i = 0; i < records.length; i += 250) await writer.write(records.slice(i, i + 250));
    if (end === "commit") return writer.commit({ stateKey: `conformance/${stream.name}` });
    await writer.abort(new Error("conformance abort"));
    return undefined;
  };

  describe(`sink conformance: ${options.name}`, () => {
    afterEach(async () => {
      await target?.cleanup?.();
      target = undefined;
    });

    it("makes every record visible at commit, and reports the count", async () => {
      const t = await fresh();
      const records = dataset(0, 600, 1);
      const report = await session(t, modes[0]!, records, "commit");
      expect(report?.records).toBe(600);
      expect(canonical(await t.read(stream))).toEqual(canonical(records));
    });

    it("shows nothing before commit", async () => {
      const t = await fresh();
      const seed = dataset(0, 20, 1);
      await session(t, modes[0]!, seed, "commit");
      const writer = await t.sink.open(stream, {
        mode: modes[0]!,
        runId: "conf-visibility",
        runStartedAt: new Date(),
        signal: new AbortController().signal,
        logger: silentLogger(),
      });
      await writer.write(dataset(100, 400, 2));
      expect(canonical(await t.read(stream))).toEqual(canonical(seed));
      await writer.abort(new Error("done"));
    });

    it("abort on a fresh target leaves nothing visible", async () => {
      const t = await fresh();
      await session(t, modes[0]!, dataset(0, 300, 1), "abort");
      expect(await t.read(stream)).toEqual([]);
    });

    for (const mode of modes) {
      it(`abort in ${mode} mode leaves existing data exactly as it was`, async () => {
        const t = await fresh();
        const seed = dataset(0, 50, 1);
        await session(t, modes[0]!, seed, "commit");
        const before = canonical(await t.read(stream));
        await session(t, mode, dataset(25, 400, 2), "abort");
        expect(canonical(await t.read(stream))).toEqual(before);
      });

      it(`a failed run in ${mode} mode changes nothing (all-or-nothing commit)`, async () => {
        const t = await fresh();
        const seed = dataset(0, 40, 1);
        await session(t, modes[0]!, seed, "commit");
        const records = dataset(0, 500, 3);
        const source = memorySource({
          streams: {
            [stream.name]: { records, failAfter: 350, batchSize: 50, failWith: () => new Error("boom") },
          },
        });
        const run = runPipeline({
          source,
          sink: t.sink,
          streams: [stream.name],
          writeMode: mode,
          streamRetries: 0,
          logger: silentLogger(),
        });
        await expect(run).rejects.toBeInstanceOf(PipelineError);
        expect(canonical(await t.read(stream))).toEqual(canonical(seed));
      });
    }

    if (modes.includes("replace")) {
      it("replace swaps the whole content", async () => {
        const t = await fresh();
        await session(t, "replace", dataset(0, 100, 1), "commit");
        const next = dataset(50, 150, 2);
        await session(t, "replace", next, "commit");
        expect(canonical(await t.read(stream))).toEqual(canonical(next));
      });
    }

    if (modes.includes("append")) {
      it("append adds to what is there", async () => {
        const t = await fresh();
        const a = dataset(0, 60, 1);
        const b = dataset(60, 130, 1);
        await session(t, modes.includes("replace") ? "replace" : "append", a, "commit");
        await session(t, "append", b, "commit");
        expect(canonical(await t.read(stream))).toEqual(canonical([...a, ...b]));
      });
    }

    if (modes.includes("upsert")) {
      it("upsert merges by primary key", async () => {
        const t = await fresh();
        const a = dataset(0, 100, 1);
        await session(t, modes[0]!, a, "commit");
        const changed = dataset(80, 140, 2);
        await session(t, "upsert", changed, "commit");
        const expected = [...a.slice(0, 80), ...changed];
        expect(canonical(await t.read(stream))).toEqual(canonical(expected));
      });
    }

    it("keeps unicode (emoji, RTL, astral, control characters) intact", async () => {
      const t = await fresh();
      const records = dataset(0, UNICODE.length * 2, 7);
      await session(t, modes[0]!, records, "commit");
      const got = canonical(await t.read(stream));
      expect(got).toEqual(canonical(records));
      expect(got.some((r) => String(r.name).includes("😀"))).toBe(true);
    });

    it("abort is idempotent", async () => {
      const t = await fresh();
      const writer = await t.sink.open(stream, {
        mode: modes[0]!,
        runId: "conf-idem",
        runStartedAt: new Date(),
        signal: new AbortController().signal,
        logger: silentLogger(),
      });
      await writer.write(dataset(0, 10, 1));
      await writer.abort(new Error("first"));
      await writer.abort(new Error("second"));
      expect(await t.read(stream)).toEqual([]);
    });
  });
}
