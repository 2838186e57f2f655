import { afterEach, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

let sim: IntercomSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(extra: Record<string, unknown> = {}) {
  sim = await startSimulator({ contacts: 30, companies: 5, conversations: 5, ...extra });
  return { sim, call: client(sim.url, sim.token) };
}

describe("fault injection", () => {
  it("status faults answer the given status on the matching route, count times", async () => {
    const { sim, call } = await start();
    sim.injectFaults([{ kind: "status", status: 503, count: 2, route: "GET /contacts" }]);
    expect((await call("/tags")).status).toBe(200); // other route untouched
    const a = await call("/contacts");
    expect(a.status).toBe(503);
    expect(a.json.type).toBe("error.list");
    expect(a.headers.get("x-ratelimit-remaining")).not.toBeNull();
    expect((await call("/contacts")).status).toBe(503);
    expect((await call("/contacts")).status).toBe(200);
    expect(sim.stats().injected).toBe(2);
    expect(sim.stats().status[503]).toBe(2);
  });

  it("route keys use path templates", async () => {
    const { sim, call } = await start();
    const id = sim.workspace.contacts[0]?.id;
    sim.injectFaults([{ kind: "status", status: 500, count: 1, route: "GET /contacts/{id}" }]);
    const r = await call(`/contacts/${id}`);
    expect(r.status).toBe(500);
    expect(r.json.errors[0].code).toBe("server_error");
    expect(sim.stats().byRoute["GET /contacts/{id}"]).toBe(1);
  });

  it("reset destroys the connection mid-response", async () => {
    const { sim, call } = await start();
    sim.injectFaults([{ kind: "reset", count: 1 }]);
    await expect(call("/contacts?per_page=30")).rejects.toThrow();
    expect((await call("/contacts?per_page=30")).status).toBe(200);
  });

  it("truncated sends half the JSON body and ends cleanly", async () => {
    const { sim, call } = await start();
    sim.injectFaults([{ kind: "truncated", count: 1, route: "GET /contacts" }]);
    const r = await call("/contacts?per_page=30");
    expect(r.status).toBe(200);
    expect(r.json).toBeUndefined();
    expect(() => JSON.parse(r.text)).toThrow();
    const full = await call("/contacts?per_page=30");
    expect(r.text.length).toBeGreaterThan(0);
    expect(full.text.startsWith(r.text)).toBe(true);
  });

  it("rate_limit answers 429 although Remaining is healthy", async () => {
    const { sim, call } = await start({ rateLimit: { limit: 1000, windowSeconds: 10 } });
    sim.injectFaults([{ kind: "rate_limit", count: 1 }]);
    const r = await call("/tags");
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("x-ratelimit-remaining"))).toBeGreaterThan(900);
    expect(r.json.errors[0].code).toBe("rate_limit_exceeded");
    expect(sim.stats().throttled429).toBe(1);
  });

  it("latency delays responses", async () => {
    const { call } = await start({ latencyMs: 120 });
    const t0 = performance.now();
    await call("/tags");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it("resetStats clears counters", async () => {
    const { sim, call } = await start();
    await call("/tags");
    expect(sim.stats().requests).toBe(1);
    sim.resetStats();
    expect(sim.stats()).toEqual({ requests: 0, byRoute: {}, status: {}, throttled429: 0, injected: 0 });
  });

  it("rejects invalid options with a ConfigError listing the fields", async () => {
    await expect(startSimulator({ contacts: -1, timezone: "Mars/Olympus" })).rejects.toThrow(
      /contacts[\s\S]*timezone|timezone[\s\S]*contacts/,
    );
  });
});
