import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

describe("rate governor in a real process", () => {
  // A waiting caller must keep the process alive: an unref'd wake-up timer let a rate-limited
  // run exit half-way with nothing else on the event loop (found by the benchmark).
  it.skipIf(!existsSync(dist))("keeps the process alive while a caller waits for the next window", () => {
    const script = `
      import { createRateGovernor } from ${JSON.stringify(dist)};
      const g = createRateGovernor({ headers: { limit: "x-ratelimit-limit", remaining: "x-ratelimit-remaining", reset: "x-ratelimit-reset" }, windowMs: 1000, jitterMs: 0, safetyMargin: 0 });
      const reset = Math.ceil(Date.now() / 1000) + 1;
      const headers = new Map([["x-ratelimit-limit", "1"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", String(reset)]]);
      await g.acquire();
      g.release({ get: (k) => headers.get(k) ?? null }, 200);
      const r = await g.acquire();
      console.log("granted after", r.waitedMs > 0 ? "a wait" : "no wait");
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(child.stderr).not.toContain("unsettled top-level await");
    expect(child.stdout).toContain("granted after a wait");
    expect(child.status).toBe(0);
  });
});
