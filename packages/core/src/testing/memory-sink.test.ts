import { describe, expect, it } from "vitest";
import { silentLogger } from "../logger.js";
import { TOMBSTONE_FIELD } from "../types.js";
import { memorySink } from "./memory-sink.js";

const stream = { name: "people", primaryKey: ["id"] };
const open = (sink: ReturnType<typeof memorySink>, delivery: "batch" | "continuous") =>
  sink.open(stream, {
    mode: "upsert",
    runId: "t",
    runStartedAt: new Date(),
    signal: new AbortController().signal,
    logger: silentLogger(),
    delivery,
  });

describe("memorySink", () => {
  it("deletes by primary key on a tombstone, in the same commit as the upserts", async () => {
    const sink = memorySink();
    const w = await open(sink, "continuous");
    await w.write([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await w.commit({ stateKey: "k" });
    await w.write([{ id: 2, [TOMBSTONE_FIELD]: true }, { id: 4 }]);
    await w.commit({ stateKey: "k" });
    expect(sink.tables.get("people")).toEqual([{ id: 1 }, { id: 3 }, { id: 4 }]);
    await w.close?.();
    expect(sink.openWriters()).toBe(0);
  });

  it("refuses continuous delivery when it does not claim it, and writes after a batch commit", async () => {
    const sink = memorySink({ capabilities: { writeModes: ["upsert"] } });
    await expect(open(sink, "continuous")).rejects.toThrow("does not offer continuous delivery");
    const w = await open(sink, "batch");
    await w.write([{ id: 1 }]);
    await w.commit({ stateKey: "k" });
    await expect(w.write([{ id: 2 }])).rejects.toThrow("is closed");
  });
});
