import { afterEach, describe, expect, it } from "vitest";
import { type IntercomSimulator, startSimulator } from "./index.js";
import { client } from "./test-client.js";

let sim: IntercomSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(extra: Record<string, unknown> = {}) {
  sim = await startSimulator({
    seed: 3,
    contacts: 200,
    companies: 130,
    conversations: 5,
    rateLimit: false,
    scrollPageSize: 50,
    ...extra,
  });
  return { sim, call: client(sim.url, sim.token) };
}

describe("GET /companies/scroll (§4.2)", () => {
  it("returns every company (with and without users) and ends with empty data", async () => {
    const { sim, call } = await start();
    const ids: string[] = [];
    let param: string | undefined;
    let pages = 0;
    for (;;) {
      const r = await call(`/companies/scroll${param ? `?scroll_param=${param}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ type: "list", pages: null, total_count: null });
      expect(r.json.scroll_param).toMatch(/^[0-9a-f-]{36}$/);
      if (r.json.data.length === 0) break;
      pages++;
      ids.push(...r.json.data.map((c: { id: string }) => c.id));
      param = r.json.scroll_param;
    }
    expect(pages).toBe(3);
    expect(ids.sort()).toEqual(sim.workspace.companies.map((c) => c.id as string).sort());
    // the finished scroll's param is dead, and a new scroll may start at once
    expect((await call(`/companies/scroll?scroll_param=${param}`)).status).toBe(400);
    expect((await call("/companies/scroll")).status).toBe(200);
  });

  it("allows one open scroll per app: a second start is 400 'scroll already exists for this app'", async () => {
    const { call } = await start();
    const first = await call("/companies/scroll");
    expect(first.status).toBe(200);
    const second = await call("/companies/scroll");
    expect(second.status).toBe(400);
    expect(second.json.errors[0].message).toBe("scroll already exists for this app");
    // the first scroll continues unharmed
    expect((await call(`/companies/scroll?scroll_param=${first.json.scroll_param}`)).status).toBe(200);
  });

  it("expires an idle scroll_param after scrollIdleExpirySeconds", async () => {
    let nowMs = 1_763_900_000_000;
    const { call } = await start({ scrollIdleExpirySeconds: 60, clock: () => nowMs });
    const first = await call("/companies/scroll");
    nowMs += 60_001;
    const stale = await call(`/companies/scroll?scroll_param=${first.json.scroll_param}`);
    expect(stale.status).toBe(400);
    // expired → the app's scroll slot is free again
    const fresh = await call("/companies/scroll");
    expect(fresh.status).toBe(200);
    expect(fresh.json.scroll_param).not.toBe(first.json.scroll_param);
    // used within the expiry window, a scroll stays alive
    nowMs += 59_000;
    expect((await call(`/companies/scroll?scroll_param=${fresh.json.scroll_param}`)).status).toBe(200);
    nowMs += 59_000;
    expect((await call(`/companies/scroll?scroll_param=${fresh.json.scroll_param}`)).status).toBe(200);
  });

  it("scroll_restart: a 500 'please restart the scroll' kills the scroll; a restart reads everything", async () => {
    const { sim, call } = await start();
    sim.injectFaults([{ kind: "scroll_restart", afterPages: 2 }]);
    const a = await call("/companies/scroll");
    const b = await call(`/companies/scroll?scroll_param=${a.json.scroll_param}`);
    expect(b.status).toBe(200);
    const c = await call(`/companies/scroll?scroll_param=${a.json.scroll_param}`);
    expect(c.status).toBe(500);
    expect(c.json.errors[0].message).toBe(
      "Request failed due to an internal network error. Please restart the scroll operation.",
    );
    // the scroll is dead: resending the param fails, and a new scroll can start immediately
    expect((await call(`/companies/scroll?scroll_param=${a.json.scroll_param}`)).status).toBe(400);
    const ids: string[] = [];
    let param: string | undefined;
    for (;;) {
      const r = await call(`/companies/scroll${param ? `?scroll_param=${param}` : ""}`);
      expect(r.status).toBe(200);
      if (r.json.data.length === 0) break;
      ids.push(...r.json.data.map((x: { id: string }) => x.id));
      param = r.json.scroll_param;
    }
    expect(ids).toHaveLength(130);
    expect(sim.stats().injected).toBe(1);
  });
});
