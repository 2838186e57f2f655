import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRateGovernor, retryAfterMs } from "./rate-governor.js";

/** The budget headers a test API sends (a source configures its own: core knows no API). */
const RL = { limit: "x-ratelimit-limit", remaining: "x-ratelimit-remaining", reset: "x-ratelimit-reset" };
const WINDOW = { headers: RL, windowMs: 10_000 };

const headers = (h: Record<string, string | number>) =>
  new Headers(Object.entries(h).map(([k, v]) => [k, String(v)]));

/** A fixed-window rate-limited server (10 s windows, reset in epoch seconds), like Intercom's. */
function fakeServer(limit: number, windowSec = 10) {
  const counts = new Map<number, number>();
  let throttled = 0;
  return {
    counts,
    get throttled() {
      return throttled;
    },
    hit(): { status: number; headers: Headers } {
      const t = Date.now();
      const w = Math.floor(t / 1000 / windowSec);
      const n = (counts.get(w) ?? 0) + 1;
      counts.set(w, n);
      const reset = (w + 1) * windowSec;
      if (n > limit) {
        throttled++;
        return {
          status: 429,
          headers: headers({
            "x-ratelimit-limit": limit,
            "x-ratelimit-remaining": 0,
            "x-ratelimit-reset": reset,
          }),
        };
      }
      return {
        status: 200,
        headers: headers({
          "x-ratelimit-limit": limit,
          "x-ratelimit-remaining": limit - n,
          "x-ratelimit-reset": reset,
        }),
      };
    },
  };
}

describe("createRateGovernor", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:03.000Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("never exceeds the window budget with concurrent workers and out-of-order responses", async () => {
    const limit = 50;
    const server = fakeServer(limit);
    const governor = createRateGovernor({ ...WINDOW, safetyMargin: 0 });
    let done = 0;
    const total = 400;
    let issued = 0;
    const worker = async () => {
      while (issued < total) {
        issued++;
        await governor.acquire();
        // the server counts the request on arrival; responses come back with random latency
        await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 5)));
        const res = server.hit();
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        governor.release(res.headers, res.status);
        done++;
      }
    };
    const run = Promise.all(Array.from({ length: 12 }, worker));
    while (done < total) await vi.advanceTimersByTimeAsync(50);
    await run;
    expect(server.throttled).toBe(0);
    for (const n of server.counts.values()) expect(n).toBeLessThanOrEqual(limit);
    // it uses (almost) the whole budget: 400 requests at 50 per window fit in 8 windows (+ the partial first)
    expect(server.counts.size).toBeLessThanOrEqual(9);
  });

  it("ignores stale headers from an older window and keeps the per-window minimum", async () => {
    const governor = createRateGovernor({ ...WINDOW, safetyMargin: 0 });
    const reset = Math.floor(Date.now() / 10_000) * 10 + 10;
    await governor.acquire();
    governor.release(
      headers({ "x-ratelimit-limit": 10, "x-ratelimit-remaining": 3, "x-ratelimit-reset": reset }),
      200,
    );
    // a late response of the same window reporting more budget must not inflate it
    await governor.acquire();
    governor.release(
      headers({ "x-ratelimit-limit": 10, "x-ratelimit-remaining": 7, "x-ratelimit-reset": reset }),
      200,
    );
    // and one from the previous window is ignored
    await governor.acquire();
    governor.release(
      headers({ "x-ratelimit-limit": 10, "x-ratelimit-remaining": 9, "x-ratelimit-reset": reset - 10 }),
      200,
    );
    expect(governor.snapshot().remaining).toBe(3);
    // three slots, then callers wait for the reset
    for (let i = 0; i < 3; i++) await governor.acquire();
    let fourth = false;
    const p = governor.acquire().then((r) => {
      fourth = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fourth).toBe(false);
    await vi.advanceTimersByTimeAsync(reset * 1000 - Date.now() + 500);
    const r = await p;
    expect(fourth).toBe(true);
    expect(r.waitedMs).toBeGreaterThan(0);
    expect(r.after429).toBe(false);
  });

  it("blocks everyone after a 429 until the reset and flags the wait as a 429 wait", async () => {
    const governor = createRateGovernor(WINDOW);
    const reset = Math.floor(Date.now() / 1000) + 4;
    await governor.acquire();
    governor.release(
      headers({ "x-ratelimit-limit": 100, "x-ratelimit-remaining": 0, "x-ratelimit-reset": reset }),
      429,
    );
    const results: Array<{ waitedMs: number; after429: boolean }> = [];
    const all = Promise.all([governor.acquire(), governor.acquire()]).then((r) => results.push(...r));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(results).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    await all;
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.after429).toBe(true);
      expect(r.waitedMs).toBeGreaterThanOrEqual(3_900);
    }
    expect(governor.snapshot().throttled429).toBe(1);
  });

  it("honours Retry-After over the reset header", async () => {
    const governor = createRateGovernor({ ...WINDOW, jitterMs: 0 });
    await governor.acquire();
    governor.release(headers({ "retry-after": 2 }), 429);
    let got = false;
    const p = governor.acquire().then(() => {
      got = true;
    });
    await vi.advanceTimersByTimeAsync(1_900);
    expect(got).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await p;
    expect(got).toBe(true);
  });

  it("lets everything through when the API sends no rate-limit headers", async () => {
    const governor = createRateGovernor(WINDOW);
    await governor.acquire();
    governor.release(new Headers(), 200);
    const many = await Promise.all(Array.from({ length: 20 }, () => governor.acquire()));
    expect(many.every((r) => r.waitedMs === 0)).toBe(true);
  });

  it("rejects a waiting caller when its signal aborts", async () => {
    const governor = createRateGovernor(WINDOW);
    await governor.acquire();
    governor.release(headers({ "retry-after": 60 }), 429);
    const ac = new AbortController();
    const p = governor.acquire(ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(governor.snapshot().waiting).toBe(0);
  });

  it("parses Retry-After seconds and dates", () => {
    expect(retryAfterMs(headers({ "retry-after": "3" }))).toBe(3000);
    const now = Date.now();
    expect(retryAfterMs(headers({ "retry-after": new Date(now + 5000).toUTCString() }), now)).toBeGreaterThan(
      3000,
    );
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it("reads the budget only from the header names it is given (core hard-codes no API)", async () => {
    const reset = Math.floor(Date.now() / 1000) + 7;
    const spent = headers({ "x-ratelimit-limit": 5, "x-ratelimit-remaining": 0, "x-ratelimit-reset": reset });
    // unconfigured: Intercom-style headers mean nothing, requests keep flowing
    const plain = createRateGovernor({ safetyMargin: 0, jitterMs: 0 });
    await plain.acquire();
    plain.release(spent, 200);
    expect((await plain.acquire()).waitedMs).toBe(0);
    expect(plain.config).toEqual({ headers: undefined, windowMs: 60_000 });
    // another API's names: learned from those
    const other = createRateGovernor({
      headers: { limit: "ratelimit-limit", remaining: "ratelimit-remaining", reset: "ratelimit-reset" },
      windowMs: 60_000,
      safetyMargin: 0,
      jitterMs: 0,
    });
    await other.acquire();
    other.release(headers({ "ratelimit-limit": 5, "ratelimit-remaining": 0, "ratelimit-reset": reset }), 200);
    expect(other.snapshot()).toMatchObject({ limit: 5, remaining: 0 });
    const waiting = other.acquire();
    await vi.advanceTimersByTimeAsync(7_000);
    expect((await waiting).waitedMs).toBeGreaterThanOrEqual(7_000);
  });
});
