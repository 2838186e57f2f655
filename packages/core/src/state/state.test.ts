import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { FileStateStore } from "./file.js";
import { MemoryStateStore } from "./memory.js";

describe("state stores", () => {
  it("memory store returns copies", async () => {
    const s = new MemoryStateStore();
    const cp = { cursor: 5 };
    await s.save("a", cp);
    cp.cursor = 6;
    expect(await s.load("a")).toEqual({ cursor: 5 });
    expect(await s.load("missing")).toBeUndefined();
  });

  it("file store persists across instances and serialises concurrent saves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-state-"));
    const path = join(dir, "nested", "state.json");
    const s = new FileStateStore(path);
    expect(await s.load("x")).toBeUndefined();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.save(`k${i}`, { cursor: i })));
    const again = new FileStateStore(path);
    for (let i = 0; i < 20; i++) expect(await again.load(`k${i}`)).toEqual({ cursor: i });
    expect(Object.keys(JSON.parse(await readFile(path, "utf8")))).toHaveLength(20);
  });

  it("file store names the file when it is corrupt", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-state-"));
    const path = join(dir, "state.json");
    await writeFile(path, "{ not json");
    const err = await new FileStateStore(path).load("x").catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain(path);
  });
});
