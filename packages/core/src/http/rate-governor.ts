import { CancelledError } from "../errors.js";

/**
 * A client-side rate governor for APIs that publish their budget in response headers (a limit,
 * what is left, and when the fixed window resets, in epoch seconds). Which headers and how long
 * a window lasts are the source's configuration (`headers`, `windowMs`): core knows no API.
 *
 * One instance is shared by every concurrent request of a source: `acquire()` before each
 * request, `release(headers, status)` after it. The governor
 * - learns the window's budget from the headers, keeping the MINIMUM `remaining` seen per
 *   window, so a late (out-of-order) response can never inflate the budget;
 * - counts requests in flight against that budget (their responses are not known yet);
 * - when the budget of the window is spent, parks callers until the reset (+ jitter) instead of
 *   provoking 429s;
 * - on a 429 blocks everyone until the reset the server gave (or `Retry-After`, or one window).
 * Without `headers` (or when the API sends none) it lets everything through but still honours 429s.
 */
export interface RateGovernor {
  /** The header names and window this governor was configured with. */
  readonly config: { headers: RateLimitHeaders | undefined; windowMs: number };
  /** Waits for a slot; resolves with how long (and why) the caller waited. */
  acquire(signal?: AbortSignal): Promise<AcquireResult>;
  /** Reports the outcome of the request that got the slot. `headers` absent for network errors. */
  release(headers?: HeadersLike, status?: number): void;
  /** Current view, for logs and tests. */
  snapshot(): GovernorSnapshot;
}

export interface AcquireResult {
  /** Milliseconds spent waiting for the slot (0 when granted at once). */
  waitedMs: number;
  /** True when the wait was (at least partly) caused by a 429 from the server. */
  after429: boolean;
}

export interface GovernorSnapshot {
  limit: number | undefined;
  /** Budget left in the current window as the governor believes it (before in-flight). */
  remaining: number | undefined;
  /** End of the current window (epoch ms, includes the learned clock skew). */
  windowEndsAt: number | undefined;
  inFlight: number;
  waiting: number;
  blockedUntil: number;
  granted: number;
  throttled429: number;
}

export interface HeadersLike {
  get(name: string): string | null;
}

/** Names of the response headers carrying the budget (case-insensitive). */
export interface RateLimitHeaders {
  /** Requests allowed per window, e.g. "X-RateLimit-Limit". */
  limit: string;
  /** Requests left in the current window, e.g. "X-RateLimit-Remaining". */
  remaining: string;
  /** When the window refills, in epoch seconds, e.g. "X-RateLimit-Reset". */
  reset: string;
}

export interface RateGovernorOptions {
  /** The API's budget headers. Absent: no pre-throttling, only 429s are honoured. */
  headers?: RateLimitHeaders;
  /** Length of the API's rate-limit window (also the wait after a 429 that says nothing else). Default 60 000 ms. */
  windowMs?: number;
  /** Budget assumed before the first response tells the real one. */
  initialLimit?: number;
  /** Requests per window kept in reserve (e.g. for other apps of the workspace). Default 1. */
  safetyMargin?: number;
  /** Maximum random delay added after a reset so waiters don't hit the old window. Default 150 ms. */
  jitterMs?: number;
  /** Injectable clock, for tests. */
  now?: () => number;
}

interface Waiter {
  resolve: (r: AcquireResult) => void;
  reject: (e: unknown) => void;
  enqueuedAt: number;
  after429: boolean;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

const num = (headers: HeadersLike | undefined, name: string): number | undefined => {
  const raw = headers?.get(name);
  if (raw == null || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
};

/** Milliseconds from `Retry-After` (seconds or HTTP date), if present. */
export function retryAfterMs(headers: HeadersLike | undefined, now = Date.now()): number | undefined {
  const raw = headers?.get("retry-after");
  if (raw == null || raw.trim() === "") return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function createRateGovernor(options: RateGovernorOptions = {}): RateGovernor {
  const windowMs = options.windowMs ?? 60_000;
  const names = options.headers;
  const margin = Math.max(0, options.safetyMargin ?? 1);
  const jitterMs = Math.max(0, options.jitterMs ?? 150);
  const now = options.now ?? Date.now;

  let limit: number | undefined = options.initialLimit;
  /** Epoch seconds of the current window's reset as the server reported / we estimate. */
  let windowReset: number | undefined;
  let windowObserved = false;
  let remaining: number | undefined = options.initialLimit;
  /** Learned server-clock lag (ms): added to every reset. */
  let skewMs = 0;
  let headersSeen = false;
  let unlimited = false;
  let inFlight = 0;
  let blockedUntil = 0;
  let granted = 0;
  let throttled429 = 0;
  const queue: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  let timerAt = 0;

  const windowEnd = () => (windowReset === undefined ? undefined : windowReset * 1000 + skewMs);

  /** Rolls the window forward when its reset time has passed: fresh (assumed) budget. */
  const roll = (t: number) => {
    const end = windowEnd();
    if (end === undefined || t < end) return;
    const step = Math.max(1, Math.round(windowMs / 1000));
    while (windowReset !== undefined && t >= windowReset * 1000 + skewMs) windowReset += step;
    windowObserved = false;
    remaining = limit;
  };

  /** Slots that may be granted right now (Infinity when unlimited). */
  const available = (t: number): number => {
    if (t < blockedUntil) return 0;
    if (unlimited) return Number.POSITIVE_INFINITY;
    if (!headersSeen && remaining === undefined) return inFlight === 0 ? 1 : 0; // probe first
    roll(t);
    if (remaining === undefined) return inFlight === 0 ? 1 : 0;
    return remaining - inFlight - margin;
  };

  const schedule = (at: number) => {
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = 0;
        pump();
      },
      Math.max(0, at - now()),
    );
    // deliberately NOT unref'd: while a caller waits for the window, this timer is the only
    // thing keeping the process alive; unref'd, a rate-limited run would exit half-way.
  };

  const cancelTimerIfIdle = () => {
    if (queue.length === 0 && timer) {
      clearTimeout(timer);
      timer = undefined;
      timerAt = 0;
    }
  };

  const pump = () => {
    const t = now();
    while (queue.length > 0) {
      if (available(t) <= 0) break;
      const w = queue.shift()!;
      grant(w, t);
    }
    if (queue.length === 0) return cancelTimerIfIdle();
    if (t < blockedUntil) {
      for (const w of queue) w.after429 = true;
      schedule(blockedUntil);
      return;
    }
    // budget spent (or held by requests in flight): the window's reset frees it; a release may come first
    const end = windowEnd();
    if (end !== undefined) schedule(Math.max(end, t) + Math.random() * jitterMs);
  };

  const grant = (w: Waiter, t: number) => {
    inFlight++;
    granted++;
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
    w.resolve({ waitedMs: Math.max(0, t - w.enqueuedAt), after429: w.after429 });
  };

  const observe = (headers: HeadersLike | undefined, t: number) => {
    if (!names) {
      // no budget headers configured: only 429s (and their waits) throttle
      if (headers) unlimited = true;
      return;
    }
    const lim = num(headers, names.limit);
    const rem = num(headers, names.remaining);
    const reset = num(headers, names.reset);
    if (lim === undefined && rem === undefined && reset === undefined) {
      if (!headersSeen && headers) unlimited = true;
      return;
    }
    headersSeen = true;
    unlimited = false;
    if (lim !== undefined && lim > 0) limit = lim;
    if (rem === undefined) return;
    if (reset === undefined) {
      remaining = remaining === undefined ? rem : Math.min(remaining, rem);
      return;
    }
    roll(t);
    const stillOpen = reset * 1000 + skewMs > t;
    if (
      windowReset === undefined ||
      reset > windowReset ||
      (!windowObserved && stillOpen && reset !== windowReset)
    ) {
      // a newer window (or our estimate of the current one was wrong)
      if (!stillOpen) return; // a response from a window that is already over: nothing to learn
      windowReset = reset;
      windowObserved = true;
      remaining = rem;
    } else if (reset === windowReset) {
      windowObserved = true;
      remaining = remaining === undefined ? rem : Math.min(remaining, rem);
    }
    // reset < windowReset: stale response from an older window, ignored
  };

  return {
    config: { headers: names, windowMs },

    acquire(signal?: AbortSignal): Promise<AcquireResult> {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const t = now();
      if (queue.length === 0 && available(t) > 0) {
        inFlight++;
        granted++;
        return Promise.resolve({ waitedMs: 0, after429: false });
      }
      return new Promise<AcquireResult>((resolve, reject) => {
        const w: Waiter = { resolve, reject, enqueuedAt: t, after429: t < blockedUntil, signal };
        if (signal) {
          w.onAbort = () => {
            const i = queue.indexOf(w);
            if (i >= 0) queue.splice(i, 1);
            cancelTimerIfIdle();
            reject(abortReason(signal));
          };
          signal.addEventListener("abort", w.onAbort, { once: true });
        }
        queue.push(w);
        pump();
      });
    },

    release(headers?: HeadersLike, status?: number): void {
      const t = now();
      inFlight = Math.max(0, inFlight - 1);
      observe(headers, t);
      if (status === 429) {
        throttled429++;
        const reset = names ? num(headers, names.reset) : undefined;
        const ra = retryAfterMs(headers, t);
        let until: number;
        if (ra !== undefined) until = t + ra;
        else if (reset !== undefined) {
          // the server says "wait until reset"; if that is already past by our clock, its clock lags ours
          if (reset * 1000 + skewMs <= t) skewMs = Math.min(5_000, t - reset * 1000 + 250);
          until = reset * 1000 + skewMs;
        } else until = t + windowMs;
        until += Math.random() * jitterMs;
        blockedUntil = Math.max(blockedUntil, until);
        // nothing left in this window
        remaining = 0;
      }
      pump();
    },

    snapshot(): GovernorSnapshot {
      return {
        limit,
        remaining,
        windowEndsAt: windowEnd(),
        inFlight,
        waiting: queue.length,
        blockedUntil,
        granted,
        throttled429,
      };
    },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}
