import pRetry from "p-retry";
import {
  AuthError,
  CancelledError,
  isRetryable,
  RateLimitError,
  SluiceError,
  TransientError,
} from "../errors.js";
import { registerSecret } from "../redact.js";
import type { JsonObject, StreamReporter } from "../types.js";
import { createRateGovernor, type RateGovernor, retryAfterMs } from "./rate-governor.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  /** e.g. "https://api.intercom.io" (a path prefix is kept). */
  baseUrl: string;
  /** Sent with every request. Authorization values are registered as secrets (redacted everywhere). */
  headers?: Record<string, string>;
  /** Per attempt, including reading the body. Default 30 000 ms. */
  timeoutMs?: number;
  /** Retries of transient failures (5xx, 408, resets, timeouts, truncated JSON). Default 5. 429s don't count. */
  retries?: number;
  /** Maximum 429s tolerated for one request before failing with RateLimitError. Default 50. */
  maxRateLimitRetries?: number;
  /**
   * Retry budget of the whole client (one client serves one run of a source): once this many
   * retries (429s and transient failures together) were made, or this long was spent waiting out
   * 429s, the next failure is final, non-retryable, and its message states the budget. Default
   * 500 retries / 10 minutes: a 429 storm without reset headers ends in minutes, not half an hour.
   */
  retryBudget?: { maxRetries?: number; maxRateLimitWaitMs?: number };
  /** Backoff of transient retries: first delay and cap (randomised x1-2, factor 2). Default 500 ms / 30 s. */
  backoff?: { minTimeoutMs?: number; maxTimeoutMs?: number };
  /** Shared rate governor; a private one is created when absent. */
  governor?: RateGovernor;
  /** Injectable fetch (tests); defaults to the global fetch. */
  fetch?: FetchLike;
  /** Extra text appended to 401/403 messages (e.g. which token scopes the API needs). */
  authHint?: string;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path relative to baseUrl ("/contacts") or an absolute URL on the same host. */
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON body. */
  body?: unknown;
  signal?: AbortSignal;
  reporter?: StreamReporter;
  /**
   * `false`: don't retry transient failures (the caller handles them, e.g. a scroll that must
   * restart). 429s are still waited out and re-sent: the server did not process the request.
   */
  retry?: boolean;
  expect?: "json";
  /**
   * Error statuses the caller handles itself (e.g. 404/410 to tell deleted from merged): answered
   * as a response (`body` parsed when JSON) instead of thrown. Never retried.
   */
  acceptStatus?: number[];
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  readonly governor: RateGovernor;
  readonly baseUrl: string;
}

/** What `parseApiError` found in an error response body. */
export interface ApiErrorInfo {
  codes: string[];
  messages: string[];
  requestId: string | undefined;
}

/** Pulls error codes, messages and request id out of common JSON error envelopes. */
export function parseApiError(text: string): ApiErrorInfo {
  const info: ApiErrorInfo = { codes: [], messages: [], requestId: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return info;
  }
  if (!body || typeof body !== "object") return info;
  const b = body as Record<string, unknown>;
  const list = Array.isArray(b.errors) ? b.errors : b.error && typeof b.error === "object" ? [b.error] : [b];
  for (const e of list) {
    if (!e || typeof e !== "object") continue;
    const { code, message } = e as Record<string, unknown>;
    if (typeof code === "string") info.codes.push(code);
    if (typeof message === "string") info.messages.push(message.slice(0, 300));
  }
  if (typeof b.request_id === "string") info.requestId = b.request_id;
  return info;
}

const STATUS_TEXT: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden" };

/**
 * A small JSON HTTP client on the global fetch: per-attempt timeout combined with the caller's
 * signal, retries with exponential backoff (p-retry) for transient failures, 429 handling
 * through the shared rate governor (a 429 wait is not a backoff step), fast typed failures for
 * auth and other client errors, and no secret ever in an error message.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const base = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 5;
  const max429 = options.maxRateLimitRetries ?? 50;
  const minTimeout = options.backoff?.minTimeoutMs ?? 500;
  const maxTimeout = options.backoff?.maxTimeoutMs ?? 30_000;
  const governor = options.governor ?? createRateGovernor();
  const budget = {
    maxRetries: options.retryBudget?.maxRetries ?? 500,
    maxWaitMs: options.retryBudget?.maxRateLimitWaitMs ?? 10 * 60_000,
  };
  const spent = { retries: 0, waitMs: 0 };
  const budgetSpent = () => spent.retries >= budget.maxRetries || spent.waitMs >= budget.maxWaitMs;
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const defaultHeaders: Record<string, string> = { accept: "application/json", ...options.headers };
  for (const [k, v] of Object.entries(defaultHeaders)) {
    if (/^(authorization|x-api-key|api-key)$/i.test(k)) {
      registerSecret(v);
      registerSecret(v.replace(/^(Bearer|Basic|Token)\s+/i, ""));
    }
  }

  const buildUrl = (path: string, query: HttpRequest["query"]): URL => {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      if (url.origin !== base.origin)
        throw new SluiceError("http_error", `refusing to call another host: ${url.origin}`);
    } else {
      url = new URL(baseUrl + (path.startsWith("/") ? path : `/${path}`));
    }
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    return url;
  };

  async function attempt<T>(req: HttpRequest, url: URL, pathOnly: string): Promise<HttpResponse<T>> {
    const signal = req.signal;
    const { waitedMs, after429 } = await governor.acquire(signal);
    if (signal?.aborted) {
      governor.release();
      throw signal.reason instanceof Error ? signal.reason : new CancelledError();
    }
    if (waitedMs > 0) req.reporter?.rateLimitWait(waitedMs, after429);
    if (after429) spent.waitMs += waitedMs;
    req.reporter?.call();
    let released = false;
    const release = (headers?: Headers, status?: number) => {
      if (released) return;
      released = true;
      governor.release(headers, status);
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const where = `${req.method} ${pathOnly}`;
    let res: Response;
    let text: string;
    try {
      const headers: Record<string, string> = { ...defaultHeaders };
      let body: string | undefined;
      if (req.body !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(req.body);
      }
      res = await doFetch(url.toString(), { method: req.method, headers, body, signal: combined });
      text = await res.text();
    } catch (error) {
      release();
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
      if (timeout.aborted) {
        throw new TransientError(`${where} timed out after ${timeoutMs} ms`, { cause: error });
      }
      const detail = describeNetworkError(error);
      if (isRetryable(error) || error instanceof TypeError) {
        throw new TransientError(`${where} failed: ${detail}`, { cause: error });
      }
      throw new SluiceError("http_error", `${where} failed: ${detail}`, { cause: error });
    }
    release(res.headers, res.status);
    const status = res.status;
    if (status >= 200 && status < 300) {
      if (text.length === 0) return { status, headers: res.headers, body: undefined as T };
      try {
        return { status, headers: res.headers, body: JSON.parse(text) as T };
      } catch (error) {
        throw new TransientError(
          `${where} returned ${status} with truncated or invalid JSON (${text.length} bytes)`,
          {
            cause: error,
            details: { status, method: req.method, path: pathOnly },
          },
        );
      }
    }
    if (req.acceptStatus?.includes(status)) {
      let body: unknown;
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status, headers: res.headers, body: body as T };
    }
    const api = parseApiError(text);
    const details: JsonObject = {
      status,
      method: req.method,
      path: pathOnly,
      codes: api.codes,
      ...(api.requestId ? { request_id: api.requestId } : {}),
    };
    const summary = `${where} → HTTP ${status}${api.codes.length ? ` ${api.codes.join(",")}` : ""}${
      api.messages.length ? `: ${api.messages.join("; ")}` : ""
    }${api.requestId ? ` (request_id ${api.requestId})` : ""}`;
    if (status === 429) {
      const resetHeader = governor.config.headers?.reset;
      const reset = resetHeader ? Number(res.headers.get(resetHeader)) : Number.NaN;
      const ra = retryAfterMs(res.headers);
      const waitMs =
        ra ??
        (Number.isFinite(reset) && reset > 0
          ? Math.max(0, reset * 1000 - Date.now())
          : governor.config.windowMs);
      throw new RateLimitError(summary, waitMs, { details });
    }
    if (status === 401 || status === 403) {
      throw new AuthError(
        `${summary} — ${STATUS_TEXT[status]}: check the access token (valid, not revoked, for this workspace), ` +
          `its scopes/permissions for ${pathOnly}, and that the API host ${base.host} is the workspace's region` +
          (options.authHint ? `. ${options.authHint}` : ""),
        { details },
      );
    }
    if (status === 408 || status >= 500) {
      throw new TransientError(summary, { details });
    }
    throw new SluiceError("http_error", summary, { details });
  }

  return {
    governor,
    baseUrl,
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const url = buildUrl(req.path, req.query);
      const pathOnly = url.pathname;
      const canRetry = req.retry !== false;
      let lastError: unknown;
      let count429 = 0;
      let overBudget = false;
      return pRetry(
        async () => {
          if (lastError !== undefined && !(lastError instanceof RateLimitError)) {
            req.reporter?.retry(lastError instanceof Error ? lastError.message : String(lastError));
          }
          return attempt<T>(req, url, pathOnly);
        },
        {
          retries: Math.max(retries, 0),
          factor: 2,
          minTimeout: minTimeout,
          maxTimeout: maxTimeout,
          randomize: true,
          signal: req.signal,
          onFailedAttempt: ({ error }) => {
            lastError = error;
            if (error instanceof RateLimitError) count429++;
          },
          // a 429 wait happens in the governor; it is not a backoff step
          shouldConsumeRetry: ({ error }) => !(error instanceof RateLimitError),
          shouldRetry: ({ error }) => {
            if (req.signal?.aborted) return false;
            const wanted =
              error instanceof RateLimitError ? count429 <= max429 : canRetry && isRetryable(error);
            if (!wanted) return false;
            if (budgetSpent()) {
              overBudget = true;
              return false;
            }
            spent.retries++;
            return true;
          },
        },
      ).catch((error: unknown) => {
        if (!overBudget) throw error;
        const last = error instanceof SluiceError ? error : undefined;
        throw new SluiceError(
          last?.code ?? "transient",
          `${req.method} ${pathOnly}: gave up, the run's retry budget is spent (${spent.retries} retries, ` +
            `${Math.round(spent.waitMs / 1000)} s waiting out rate limits; budget ${budget.maxRetries} retries / ` +
            `${Math.round(budget.maxWaitMs / 1000)} s). Last failure: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
            retryable: false,
            details: { ...last?.details, retries: spent.retries, rate_limit_wait_ms: spent.waitMs },
          },
        );
      });
    },
  };
}

function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; e && i < 4; i++) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    parts.push(typeof code === "string" ? `${message} [${code}]` : message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(": ");
}
