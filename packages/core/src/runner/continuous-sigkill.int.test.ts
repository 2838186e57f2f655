import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/**
 * A child process runs a continuous pipeline from a file-backed queue (acks in ack.json) into a
 * file-backed upsert sink (table.json, replaced atomically per commit). Every durable step is a
 * rename, so SIGKILL can land between any two of them.
 */
const CHILD = (dir: string) => `
import { readFile, rename, writeFile } from "node:fs/promises";
import { runContinuous } from ${JSON.stringify(dist)};
const dir = ${JSON.stringify(dir)};
const readJson = async (f, fallback) => { try { return JSON.parse(await readFile(dir + "/" + f, "utf8")); } catch { return fallback; } };
const writeAtomic = async (f, value) => { await writeFile(dir + "/" + f + ".tmp", JSON.stringify(value)); await rename(dir + "/" + f + ".tmp", dir + "/" + f); };
const input = (await readFile(dir + "/input.jsonl", "utf8")).trim().split("\\n").map((l) => JSON.parse(l));
const source = {
  name: "filequeue",
  continuous: { maxUnacked: 1000 },
  async discover() { return [{ name: "events", primaryKey: ["id"] }]; },
  async *read() {
    let next = (await readJson("ack.json", { seq: 0 })).seq;
    while (next < input.length) {
      const records = input.slice(next, next + 50);
      next += records.length;
      yield { kind: "records", records };
      yield { kind: "checkpoint", checkpoint: { seq: next } };
    }
  },
  async committed(_stream, cp) { await writeAtomic("ack.json", { seq: cp.seq }); },
};
const sink = {
  name: "filetable",
  capabilities: { continuous: true, writeModes: ["upsert"] },
  async open() {
    let staged = [];
    return {
      async write(records) { staged.push(...records); },
      async commit() {
        const table = await readJson("table.json", {});
        for (const r of staged) table[r.id] = r;
        await new Promise((r) => setTimeout(r, 3));
        await writeAtomic("table.json", table);
        const n = staged.length; staged = []; return { records: n };
      },
      async abort() { staged = []; },
      async close() {},
    };
  },
};
await runContinuous({ source, sink, batch: { maxRecords: 200, maxLatencyMs: 5 } });
console.log("done");
`;

function runChild(script: string, killAfterMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill("SIGKILL");
    }, killAfterMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ killed, code });
    });
  });
}

describe("continuous delivery across SIGKILL", () => {
  it.skipIf(!existsSync(dist))(
    "a process killed at random points lands every record exactly once",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "sluice-sigkill-"));
      const total = 20_000;
      const input = Array.from({ length: total }, (_, i) => ({ id: `e${i}`, seq: i }));
      await writeFile(join(dir, "input.jsonl"), `${input.map((r) => JSON.stringify(r)).join("\n")}\n`);
      let kills = 0;
      for (let attempt = 0; ; attempt++) {
        expect(attempt, "runs make progress").toBeLessThan(60);
        // kill early runs at varied points; later ones run to the end
        const killAfter = attempt < 8 ? 250 + ((attempt * 97) % 300) : 60_000;
        const { killed, code } = await runChild(CHILD(dir), killAfter);
        if (killed) {
          kills++;
          continue;
        }
        expect(code).toBe(0);
        break;
      }
      expect(kills).toBeGreaterThan(0);
      const table = JSON.parse(await readFile(join(dir, "table.json"), "utf8")) as Record<
        string,
        { seq: number }
      >;
      expect(Object.keys(table)).toHaveLength(total);
      expect(Object.values(table).sort((a, b) => a.seq - b.seq)).toEqual(input);
      expect(JSON.parse(await readFile(join(dir, "ack.json"), "utf8"))).toEqual({ seq: total });
    },
  );
});
