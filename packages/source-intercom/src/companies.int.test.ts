import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { ids, readAll } from "./testing.js";

describe("intercomSource: company scroll rules", () => {
  let sim: IntercomSimulator;
  const PAGE = 10;
  const source = (extra: object = {}) =>
    intercomSource({
      accessToken: sim.token,
      baseUrl: sim.url,
      retryMinTimeoutMs: 5,
      scrollExistsRetryMs: 100,
      ...extra,
    });

  /** The simulator's clock (scroll idle expiry): tests move it instead of sleeping. */
  let nowMs = 0;
  /** Simulated seconds per real second (0: the clock only moves when a test moves it). */
  let speed = 0;

  // every test gets its own workspace (and so its own scroll slot): no test waits for another's scroll
  beforeEach(async () => {
    nowMs = Date.now();
    speed = 0;
    const realStart = Date.now();
    sim = await startSimulator({
      seed: 5,
      contacts: 40,
      companies: 95,
      conversations: 0,
      rateLimit: false,
      scrollPageSize: PAGE,
      scrollIdleExpirySeconds: 60,
      clock: () => nowMs + (Date.now() - realStart) * speed,
    });
  });
  afterEach(async () => sim?.close());

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((r) => setImmediate(r));
  }

  it("restarts the scroll from scratch on 500 'restart the scroll', without duplicates", async () => {
    sim.clearFaults();
    sim.injectFaults([{ kind: "scroll_restart", afterPages: 3 }]);
    sim.resetStats();
    const r = await readAll(source(), "companies");
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(new Set(ids(r.records)).size).toBe(r.records.length);
    expect(r.warnings.filter((w) => w.code === "scroll_restarted")).toHaveLength(1);
    const pages = Math.ceil(sim.workspace.companies.length / PAGE) + 1;
    // 3 pages + the failing call, then a complete scroll
    expect(sim.stats().byRoute["GET /companies/scroll"]).toBe(4 + pages);
  });

  it("fails after a bounded number of restarts", async () => {
    sim.clearFaults();
    sim.injectFaults([{ kind: "status", status: 502, count: 10, route: "GET /companies/scroll" }]);
    const err = await readAll(source({ scrollMaxRestarts: 1, retries: 0 }), "companies").catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/restart/);
    sim.clearFaults();
  });

  it("runs one scroll at a time per app: concurrent readers queue instead of colliding", async () => {
    sim.resetStats();
    const [a, b, c] = await Promise.all([
      readAll(source(), "companies"),
      readAll(source(), "companies"),
      readAll(source(), "companies"),
    ]);
    for (const r of [a, b, c]) expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    const stats = sim.stats();
    expect(stats.status["400"] ?? 0).toBe(0);
    expect(stats.byRoute["GET /companies/scroll"]).toBe(
      3 * (Math.ceil(sim.workspace.companies.length / PAGE) + 1),
    );
  });

  it("waits when Intercom says a scroll already exists (another process holds it), then succeeds", async () => {
    sim.clearFaults();
    // another client opens a scroll and walks away; it expires after 60 s of idleness
    const other = await fetch(`${sim.url}/companies/scroll`, {
      headers: {
        authorization: `Bearer ${sim.token}`,
        accept: "application/json",
        "intercom-version": "2.16",
      },
    });
    expect(other.status).toBe(200);
    sim.resetStats();
    const reading = readAll(source(), "companies");
    // once the source was told "scroll already exists", the other scroll idles past its expiry
    await until(() => (sim.stats().status["400"] ?? 0) >= 1);
    nowMs += 61_000;
    const r = await reading;
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(sim.stats().status["400"]).toBeGreaterThanOrEqual(1);
  });

  it("a slow consumer never stalls the scroll: pages are buffered, and past the bound the scroll restarts without duplicates", async () => {
    // the scrolls this reader abandons must expire on the server: 1 real second = 60 s there
    speed = 60;
    sim.resetStats();
    const r = await readAll(
      source({ scrollBufferPages: 2, scrollMaxIdleMs: 150, scrollMaxRestarts: 20 }),
      "companies",
      {
        delayPerBatchMs: 400,
      },
    );
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(new Set(ids(r.records)).size).toBe(r.records.length);
    expect(r.warnings.some((w) => w.code === "scroll_restarted")).toBe(true);
  }, 30_000);

  it("a fast enough consumer reads the whole scroll without restarting", async () => {
    sim.clearFaults();
    const r = await readAll(source({ scrollBufferPages: 50 }), "companies", { delayPerBatchMs: 5 });
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(r.warnings).toHaveLength(0);
  });
});
