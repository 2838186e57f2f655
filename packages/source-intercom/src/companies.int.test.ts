import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  beforeAll(async () => {
    sim = await startSimulator({
      seed: 5,
      contacts: 40,
      companies: 95,
      conversations: 0,
      rateLimit: false,
      scrollPageSize: PAGE,
      scrollIdleExpirySeconds: 1,
    });
  });
  afterAll(async () => sim?.close());

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
    sim.clearFaults();
    // let any scroll left open by an earlier test expire (1 s idle in this simulator)
    await new Promise((r) => setTimeout(r, 1_200));
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
    // another client opens a scroll and walks away; it expires after 1 s of idleness
    const other = await fetch(`${sim.url}/companies/scroll`, {
      headers: {
        authorization: `Bearer ${sim.token}`,
        accept: "application/json",
        "intercom-version": "2.16",
      },
    });
    expect(other.status).toBe(200);
    sim.resetStats();
    const r = await readAll(source(), "companies");
    expect(ids(r.records)).toEqual(ids(sim.workspace.companies));
    expect(sim.stats().status["400"]).toBeGreaterThanOrEqual(1);
  });

  it("a slow consumer never stalls the scroll: pages are buffered, and past the bound the scroll restarts without duplicates", async () => {
    sim.clearFaults();
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
