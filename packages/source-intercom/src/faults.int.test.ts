import { AuthError, ConfigError } from "@sluice/core";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { intercomSource } from "./index.js";
import { ids, readAll } from "./testing.js";

describe("intercomSource: faults, rate limits and auth", () => {
  let sim: IntercomSimulator;
  const source = (extra: object = {}) =>
    intercomSource({
      accessToken: sim.token,
      baseUrl: sim.url,
      perPage: 20,
      retryMinTimeoutMs: 5,
      conversationConcurrency: 4,
      ...extra,
    });

  // every test gets its own workspace: no faults, rate windows or 429s carried over
  beforeEach(async () => {
    sim = await startSimulator({
      seed: 3,
      contacts: 90,
      companies: 30,
      conversations: 30,
      largeConversations: 0,
      maxPartsPerConversation: 5,
      // a small budget per 1-second window so the governor has to work
      rateLimit: { limit: 25, windowSeconds: 1 },
    });
  });
  afterEach(async () => sim?.close());

  it("retries 5xx, connection resets and truncated bodies and still returns every record exactly once", async () => {
    sim.clearFaults();
    sim.injectFaults([
      { kind: "status", status: 503, count: 1, route: "GET /contacts" },
      { kind: "reset", count: 1, route: "GET /contacts" },
      { kind: "truncated", count: 1, route: "GET /contacts" },
      { kind: "status", status: 500, count: 2, route: "GET /conversations/{id}" },
      { kind: "reset", count: 1, route: "GET /conversations/{id}" },
    ]);
    sim.resetStats();
    const contacts = await readAll(source(), "contacts");
    expect(ids(contacts.records)).toEqual(ids(sim.workspace.contacts));
    expect(contacts.retries).toBe(3);
    const conversations = await readAll(source(), "conversations");
    expect(ids(conversations.records)).toEqual(ids(sim.workspace.conversations));
    expect(conversations.retries).toBe(3);
    expect(sim.stats().injected).toBe(6);
  });

  it("waits out a 429 (workspace pool) and completes", async () => {
    sim.clearFaults();
    sim.injectFaults([{ kind: "rate_limit", count: 2, route: "GET /contacts" }]);
    const r = await readAll(source(), "contacts");
    expect(ids(r.records)).toEqual(ids(sim.workspace.contacts));
    expect(r.waits.filter((w) => w.is429).length).toBeGreaterThanOrEqual(1);
    expect(r.retries).toBe(0); // a 429 is not a transient retry
  });

  it("stays within a small rate limit without provoking 429s (governor)", async () => {
    sim.clearFaults();
    sim.resetStats();
    const r = await readAll(source({ conversationConcurrency: 8 }), "conversations");
    expect(r.records.length).toBe(sim.workspace.conversations.length);
    const stats = sim.stats();
    expect(stats.throttled429).toBe(0);
    // 30 details + 2 list pages at 25/s: the governor had to pause
    expect(r.waits.length).toBeGreaterThan(0);
  });

  it("a wrong token fails fast with AuthError, one request, and the token never appears", async () => {
    const bad = `bad-${Math.random().toString(36).slice(2)}-token-value`;
    sim.resetStats();
    const s = intercomSource({ accessToken: bad, baseUrl: sim.url });
    const err = await s.check().catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/token/i);
    expect(err.message).not.toContain(bad);
    expect(JSON.stringify(err.toJSON())).not.toContain(bad);
    expect(sim.stats().requests).toBe(1);
    const readErr = await readAll(s, "contacts").catch((e) => e);
    expect(readErr).toBeInstanceOf(AuthError);
    expect(readErr.message).not.toContain(bad);
  });

  it("skips a conversation deleted between list and get (404) with a warning", async () => {
    sim.clearFaults();
    sim.injectFaults([{ kind: "status", status: 404, count: 1, route: "GET /conversations/{id}" }]);
    const r = await readAll(source(), "conversations");
    expect(r.records.length).toBe(sim.workspace.conversations.length - 1);
    expect(r.warnings.filter((w) => w.code === "conversation_not_found")).toHaveLength(1);
  });

  it("rejects invalid options with a ConfigError listing every field", () => {
    const err = (() => {
      try {
        intercomSource({ accessToken: "", perPage: 500, region: "mars" } as never);
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.map((i) => i.field).sort()).toEqual(["accessToken", "perPage", "region"]);
  });

  it("a 429 storm ends at the run's retry budget with an error that states it (no 25-minute wait)", async () => {
    sim.clearFaults();
    sim.injectFaults([{ kind: "rate_limit", count: 1000, route: "GET /contacts" }]);
    const started = Date.now();
    const err = await readAll(
      source({ retryBudget: { maxRetries: 2, maxRateLimitWaitMs: 60_000 } }),
      "contacts",
    ).catch((e: unknown) => e);
    sim.clearFaults();
    expect(err).toBeInstanceOf(Error);
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expect((err as Error).message).toMatch(/retry budget is spent \(2 retries/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});
