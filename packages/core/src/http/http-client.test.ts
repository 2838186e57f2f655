import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AuthError, RateLimitError, SluiceError, TransientError } from "../errors.js";
import type { JsonObject, StreamReporter } from "../types.js";
import { createHttpClient, type FetchLike } from "./http-client.js";
import { createRateGovernor } from "./rate-governor.js";

const TOKEN = `tok_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

type Step = Response | Error | (() => Response | Error);

/** A fetch that replays `steps` in order and records what it was called with. */
function scriptedFetch(steps: Step[]) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const step = steps.shift();
    if (!step) throw new Error("no more scripted responses");
    const r = typeof step === "function" ? step() : step;
    if (r instanceof Error) throw r;
    return r;
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

function recorder() {
  const r = {
    calls: 0,
    retries: 0,
    waits: [] as Array<{ ms: number; is429: boolean }>,
    warnings: [] as JsonObject[],
  };
  const reporter: StreamReporter = {
    call: () => void r.calls++,
    retry: () => void r.retries++,
    rateLimitWait: (ms, is429) => void r.waits.push({ ms, is429: !!is429 }),
    warn: (code, message) => void r.warnings.push({ code, message }),
    setTotal: () => undefined,
  };
  return { r, reporter };
}

const connReset = () =>
  Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  });

const client = (fetch: FetchLike, extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) =>
  createHttpClient({
    baseUrl: "https://api.example.test/",
    headers: { authorization: `Bearer ${TOKEN}`, "intercom-version": "2.16" },
    fetch,
    backoff: { minTimeoutMs: 1, maxTimeoutMs: 5 },
    ...extra,
  });

describe("createHttpClient", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it("sends the default headers, query and JSON body", async () => {
    const { fetch, calls } = scriptedFetch([json(200, { ok: true })]);
    const res = await client(fetch).request<{ ok: boolean }>({
      method: "POST",
      path: "/contacts/search",
      query: { per_page: 150, skip: undefined },
      body: { query: { field: "x" } },
    });
    expect(res.body.ok).toBe(true);
    const call = calls[0]!;
    expect(call.url).toBe("https://api.example.test/contacts/search?per_page=150");
    const h = call.init.headers as Record<string, string>;
    expect(h.authorization).toBe(`Bearer ${TOKEN}`);
    expect(h.accept).toBe("application/json");
    expect(h["intercom-version"]).toBe("2.16");
    expect(h["content-type"]).toBe("application/json");
    expect(JSON.parse(String(call.init.body))).toEqual({ query: { field: "x" } });
  });

  it("retries 5xx, 408, connection resets and truncated JSON, reporting each call and retry", async () => {
    const { fetch, calls } = scriptedFetch([
      json(503, { type: "error.list", errors: [{ code: "service_unavailable" }] }),
      json(408, { type: "error.list", errors: [{ code: "request_timeout" }] }),
      connReset,
      json(200, '{"type":"list","data":[{"id":"1"'),
      json(200, { type: "list", data: [] }),
    ]);
    const { r, reporter } = recorder();
    const res = await client(fetch).request<{ data: unknown[] }>({
      method: "GET",
      path: "/contacts",
      reporter,
    });
    expect(res.body.data).toEqual([]);
    expect(calls).toHaveLength(5);
    expect(r.calls).toBe(5);
    expect(r.retries).toBe(4);
  });

  it("gives up after `retries` transient failures with a TransientError", async () => {
    const { fetch, calls } = scriptedFetch(
      Array.from({ length: 10 }, () => json(500, { errors: [{ code: "server_error" }] })),
    );
    const err = await client(fetch, { retries: 2 })
      .request({ method: "GET", path: "/x" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(calls).toHaveLength(3);
  });

  it("does not retry transient failures when retry is false", async () => {
    const { fetch, calls } = scriptedFetch([
      json(500, { errors: [{ code: "server_error" }] }),
      json(200, {}),
    ]);
    const err = await client(fetch)
      .request({ method: "GET", path: "/companies/scroll", retry: false })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).details.status).toBe(500);
    expect(calls).toHaveLength(1);
  });

  it("fails fast on 401 with an AuthError that says what to check and never contains the token", async () => {
    const body = {
      type: "error.list",
      request_id: "req-1",
      errors: [{ code: "unauthorized", message: `Access Token Invalid ${TOKEN}` }],
    };
    const { fetch, calls } = scriptedFetch([json(401, body), json(200, {})]);
    const err = await client(fetch)
      .request({ method: "GET", path: "/me", query: { token: TOKEN } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(calls).toHaveLength(1);
    expect(err.message).toMatch(/access token/i);
    expect(err.message).toMatch(/scope/i);
    expect(err.message).toMatch(/region/i);
    expect(err.message).toContain("req-1");
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(err.toJSON())).not.toContain(TOKEN);
  });

  it("treats 403 as an AuthError too", async () => {
    const { fetch } = scriptedFetch([
      json(403, { errors: [{ code: "api_plan_restricted", message: "Active subscription needed." }] }),
    ]);
    await expect(client(fetch).request({ method: "GET", path: "/conversations" })).rejects.toBeInstanceOf(
      AuthError,
    );
  });

  it("reports other 4xx as http_error with status, API codes, request id, method and path but no query", async () => {
    const { fetch, calls } = scriptedFetch([
      json(404, {
        type: "error.list",
        request_id: "abc",
        errors: [{ code: "not_found", message: "Resource Not Found" }],
      }),
    ]);
    const err = await client(fetch)
      .request({ method: "GET", path: "/conversations/42", query: { secret_param: "s3cr3t-value" } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("http_error");
    expect(err.details).toMatchObject({
      status: 404,
      codes: ["not_found"],
      request_id: "abc",
      method: "GET",
      path: "/conversations/42",
    });
    expect(err.message).toContain("GET /conversations/42");
    expect(err.message).not.toContain("s3cr3t-value");
    expect(calls).toHaveLength(1);
  });

  it("waits out a 429 until the reset without consuming a transient retry", async () => {
    const reset = () => String(Math.floor(Date.now() / 1000) + 1);
    const { fetch, calls } = scriptedFetch([
      () =>
        json(
          429,
          { errors: [{ code: "rate_limit_exceeded" }] },
          { "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset() },
        ),
      () => json(500, {}),
      () =>
        json(
          200,
          { ok: 1 },
          { "x-ratelimit-limit": "5", "x-ratelimit-remaining": "4", "x-ratelimit-reset": reset() },
        ),
    ]);
    const { r, reporter } = recorder();
    // retries: 1 — the 429 must not use it up, so the 500 can still be retried
    const res = await client(fetch, {
      retries: 1,
      governor: createRateGovernor({
        headers: {
          limit: "x-ratelimit-limit",
          remaining: "x-ratelimit-remaining",
          reset: "x-ratelimit-reset",
        },
        jitterMs: 0,
      }),
    }).request({
      method: "GET",
      path: "/x",
      reporter,
    });
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(r.waits.some((w) => w.is429 && w.ms > 0)).toBe(true);
    expect(r.retries).toBe(1);
  });

  it("honours Retry-After on a 429", async () => {
    const { fetch, calls } = scriptedFetch([
      json(429, { errors: [{ code: "too_many_requests" }] }, { "retry-after": "1" }),
      json(200, { ok: 1 }),
    ]);
    const { r, reporter } = recorder();
    await client(fetch, {
      governor: createRateGovernor({
        headers: {
          limit: "x-ratelimit-limit",
          remaining: "x-ratelimit-remaining",
          reset: "x-ratelimit-reset",
        },
        jitterMs: 0,
      }),
    }).request({
      method: "GET",
      path: "/x",
      reporter,
    });
    expect(calls).toHaveLength(2);
    expect(r.waits[0]?.is429).toBe(true);
    expect(r.waits[0]!.ms).toBeGreaterThanOrEqual(900);
  });

  it("fails with RateLimitError after too many 429s", async () => {
    const { fetch } = scriptedFetch(Array.from({ length: 5 }, () => json(429, {}, { "retry-after": "0" })));
    const err = await client(fetch, { maxRateLimitRetries: 2 })
      .request({ method: "GET", path: "/x" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
  });

  it("a 429 storm without reset headers ends at the run's retry budget (time), stated in the error, not retryable", async () => {
    const fetch: FetchLike = async () => json(429, { errors: [{ code: "rate_limit_exceeded" }] });
    const governor = createRateGovernor({ windowMs: 20, jitterMs: 0 });
    const c = createHttpClient({
      baseUrl: "https://api.example.test",
      fetch,
      governor,
      retryBudget: { maxRateLimitWaitMs: 100 },
    });
    const started = Date.now();
    const err = (await c.request({ method: "GET", path: "/x" }).catch((e) => e)) as SluiceError;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/retry budget is spent .* budget 500 retries \/ 0 s\)/);
    // the budget is the client's (the run's): the next request fails at its first 429
    const again = (await c.request({ method: "GET", path: "/y" }).catch((e) => e)) as SluiceError;
    expect(again.message).toContain("retry budget is spent");
  });

  it("the retry budget also counts transient retries across requests", async () => {
    let n = 0;
    const fetch: FetchLike = async () => {
      n++;
      return json(503, {});
    };
    const c = createHttpClient({
      baseUrl: "https://api.example.test",
      fetch,
      retries: 5,
      backoff: { minTimeoutMs: 1, maxTimeoutMs: 2 },
      retryBudget: { maxRetries: 3 },
    });
    const err = (await c.request({ method: "GET", path: "/x" }).catch((e) => e)) as SluiceError;
    expect(n).toBe(4); // first try + 3 retries
    expect(err.code).toBe("transient");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("budget 3 retries");
  });

  it("stops at once when the caller aborts", async () => {
    const ac = new AbortController();
    let started = false;
    const fetch: FetchLike = (_u, init) => {
      started = true;
      return new Promise((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    };
    const p = client(fetch).request({ method: "GET", path: "/slow", signal: ac.signal });
    while (!started) await new Promise((r) => setTimeout(r, 1));
    ac.abort(new Error("cancelled by test"));
    await expect(p).rejects.toThrow("cancelled by test");
  });

  it("retries a timed-out attempt", async () => {
    let n = 0;
    const fetch: FetchLike = (_u, init) => {
      n++;
      if (n === 1)
        return new Promise((_, reject) =>
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        );
      return Promise.resolve(json(200, { ok: true }));
    };
    const res = await client(fetch, { timeoutMs: 50 }).request<{ ok: boolean }>({
      method: "GET",
      path: "/x",
    });
    expect(res.body.ok).toBe(true);
    expect(n).toBe(2);
  });

  it("retries real socket resets and truncated bodies from a local server", async () => {
    let hits = 0;
    server = createServer((req, res) => {
      hits++;
      if (hits === 1) return req.socket.destroy(); // connection reset, no response
      if (hits === 2) {
        // promise 100 bytes, send 10, then cut the connection
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        res.write('{"data":[1');
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: [1, 2, 3] }));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${port}`,
      backoff: { minTimeoutMs: 1, maxTimeoutMs: 5 },
    });
    const { r, reporter } = recorder();
    const res = await c.request<{ data: number[] }>({ method: "GET", path: "/x", reporter });
    expect(res.body.data).toEqual([1, 2, 3]);
    expect(hits).toBe(3);
    expect(r.retries).toBe(2);
  });
});
