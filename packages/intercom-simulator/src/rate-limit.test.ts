import { afterEach, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

let sim: IntercomSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("rate limits (§6)", () => {
  it("sends X-RateLimit-* on every authenticated response and 429s over the limit", async () => {
    // an injected clock, 2 s into a window: every request lands in it, and the test never sleeps
    let nowMs = 1_763_900_002_000;
    sim = await startSimulator({
      contacts: 20,
      companies: 5,
      conversations: 5,
      rateLimit: { limit: 5, windowSeconds: 10 },
      clock: () => nowMs,
    });
    const call = client(sim.url, sim.token);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await call(i === 3 ? "/does-not-exist" : "/tags"));
    const remaining = results.map((r) => Number(r.headers.get("x-ratelimit-remaining")));
    expect(remaining).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 404, 200, 429, 429]);
    for (const r of results) expect(r.headers.get("x-ratelimit-limit")).toBe("5");
    const reset = Number(results[0]?.headers.get("x-ratelimit-reset"));
    expect(reset % 10).toBe(0);
    expect(reset).toBe(1_763_900_010);
    expect(results[5]?.json).toMatchObject({
      type: "error.list",
      errors: [{ code: "rate_limit_exceeded", message: "Exceeded rate limit of 5 in 10_seconds" }],
    });
    // 401s are not counted and carry no headers
    const unauth = await call("/tags", { token: "nope" });
    expect(unauth.headers.get("x-ratelimit-remaining")).toBeNull();
    expect(sim.stats().throttled429).toBe(2);
    // next window: allowed again
    nowMs = reset * 1000 + 30;
    const after = await call("/tags");
    expect(after.status).toBe(200);
    expect(after.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(Number(after.headers.get("x-ratelimit-reset"))).toBe(reset + 10);
  });

  it("rateLimit: false sends no headers and never throttles", async () => {
    sim = await startSimulator({ contacts: 5, companies: 2, conversations: 1, rateLimit: false });
    const r = await client(sim.url, sim.token)("/tags");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ratelimit-limit")).toBeNull();
  });
});
