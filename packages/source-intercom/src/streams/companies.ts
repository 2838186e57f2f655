import { AuthError, type JsonObject, SluiceError, type SourceMessage, TransientError } from "@sluice/core";
import type { StreamContext } from "../context.js";
import { asArray, normalize } from "../normalize.js";
import { pageNumbers } from "../paginate.js";
import { companySchema } from "../schemas.js";
import { acquireScrollLock } from "../scroll-lock.js";
import type { IntercomStream } from "./types.js";

/** POST /companies/list reaches at most this many companies (§4.2). */
export const COMPANIES_LIST_CAP = 10_000;

/**
 * Companies (§4.2), full refresh (no server-side updated_at filter in 2.16).
 * - `companiesMode: "scroll"` (default): GET /companies/scroll — the only way to get EVERY
 *   company, including those without users.
 * - `"list"`: POST /companies/list (page numbers) — excludes companies without users, ≤ 10,000.
 * - `"auto"`: list when its total_count ≤ 10,000, else scroll.
 */
async function* readCompanies(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  const mode = ctx.opts.companiesMode;
  if (mode === "scroll") {
    yield* scrollCompanies(ctx);
    return;
  }
  const pages = pageNumbers(ctx, "POST", "/companies/list", "data", { order: "asc" });
  let total: number | undefined;
  let seen = 0;
  let first = true;
  for await (const page of pages) {
    if (first) {
      first = false;
      total = page.totalCount;
      if (mode === "auto" && total !== undefined && total > COMPANIES_LIST_CAP) {
        ctx.logger.info({ total }, "companies: more than 10,000; using the scroll");
        await pages.return(undefined);
        yield* scrollCompanies(ctx);
        return;
      }
      if (total !== undefined) ctx.reporter.setTotal(total);
    }
    seen += page.items.length;
    const records = page.items.map((c) => normalize(c));
    if (records.length > 0) yield { kind: "records", records };
  }
  if (total !== undefined && seen < total) {
    ctx.reporter.warn(
      "companies_list_capped",
      `POST /companies/list returned ${seen} of ${total} companies (cap); use companiesMode "scroll"`,
      { expected: total, fetched: seen },
    );
  }
}

type ScrollOutcome = { done: true } | { done: false; reason: string; error?: unknown };

/**
 * The company scroll. Rules (§4.2): one open scroll per app (process-wide lock), a scroll_param
 * idle for 60 s is dead, a 500 "restart the scroll" (or any transient failure mid-scroll) means
 * start again from scratch, a 400 "scroll already exists" means wait and try again.
 *
 * Back-pressure: pages are read eagerly by a producer into a bounded in-memory buffer
 * (`scrollBufferPages`), so a slow sink never stalls the scroll. If the buffer stays full until
 * the scroll would go idle for `scrollMaxIdleMs`, the scroll is abandoned (it expires on the
 * server), the buffer is drained, and a new scroll starts; companies already emitted are skipped
 * (ids kept in a Set), so a restart never duplicates records. Restarts are bounded.
 */
async function* scrollCompanies(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  const release = await acquireScrollLock(ctx.scrollLockKey, ctx.signal);
  const emitted = new Set<string>();
  try {
    for (let restarts = 0; ; restarts++) {
      const outcome: ScrollOutcome = yield* scrollOnce(ctx, emitted, restarts > 0);
      if (outcome.done) {
        ctx.reporter.setTotal(emitted.size);
        return;
      }
      if (restarts >= ctx.opts.scrollMaxRestarts) {
        throw new TransientError(
          `company scroll failed after ${restarts} restart(s): ${outcome.reason}`,
          outcome.error === undefined ? {} : { cause: outcome.error },
        );
      }
      ctx.reporter.warn("scroll_restarted", `company scroll restarted from scratch: ${outcome.reason}`, {
        restart: restarts + 1,
        emitted: emitted.size,
      });
      ctx.logger.warn({ reason: outcome.reason, emitted: emitted.size }, "companies: restarting the scroll");
    }
  } finally {
    release();
  }
}

async function* scrollOnce(
  ctx: StreamContext,
  emitted: Set<string>,
  isRestart: boolean,
): AsyncGenerator<SourceMessage, ScrollOutcome> {
  const inner = new AbortController();
  const signal = AbortSignal.any([ctx.signal, inner.signal]);
  const buffer: JsonObject[][] = [];
  let finished = false;
  let failure: unknown;
  let abandoned = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const notifyConsumer = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const notifyProducer = () => {
    wakeProducer?.();
    wakeProducer = undefined;
  };

  const fresh = (items: JsonObject[]) =>
    items.filter((c) => c.id == null || !emitted.has(String(c.id))).map((c) => normalize(c));

  const producer = (async () => {
    let param: string | undefined;
    let lastCall = Date.now();
    try {
      for (;;) {
        while (buffer.length >= ctx.opts.scrollBufferPages) {
          const left = lastCall + ctx.opts.scrollMaxIdleMs - Date.now();
          if (left <= 0) {
            abandoned = true;
            return;
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, left);
            wakeProducer = () => {
              clearTimeout(t);
              resolve();
            };
          });
          if (signal.aborted) return;
        }
        const body =
          param === undefined ? await firstPage(ctx, signal, isRestart) : await nextPage(ctx, signal, param);
        lastCall = Date.now();
        const data = asArray(body.data);
        if (data.length === 0) return; // the end; the scroll_param expires
        const page = fresh(data);
        if (page.length > 0) {
          buffer.push(page);
          notifyConsumer();
        }
        const next = body.scroll_param;
        if (typeof next !== "string" || next.length === 0) {
          throw new TransientError("GET /companies/scroll returned data without a scroll_param");
        }
        param = next;
      }
    } catch (error) {
      failure = error;
    } finally {
      finished = true;
      notifyConsumer();
    }
  })();

  try {
    for (;;) {
      const page = buffer.shift();
      if (page) {
        notifyProducer();
        const records = page.filter((c) => c.id == null || !emitted.has(String(c.id)));
        for (const c of records) if (c.id != null) emitted.add(String(c.id));
        if (records.length > 0) yield { kind: "records", records };
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
    await producer;
    if (failure !== undefined) {
      if (ctx.signal.aborted) throw failure;
      if (failure instanceof AuthError) throw failure;
      const restartable =
        failure instanceof TransientError ||
        (failure instanceof SluiceError && failure.code === "http_error" && failure.details.status === 400);
      if (!restartable) throw failure;
      return {
        done: false,
        reason: failure instanceof Error ? failure.message : String(failure),
        error: failure,
      };
    }
    if (abandoned) return { done: false, reason: "the consumer was too slow: the scroll would have expired" };
    return { done: true };
  } finally {
    inner.abort(new Error("scroll finished"));
    notifyProducer();
    await producer.catch(() => undefined);
  }
}

const isScrollExists = (e: unknown) =>
  e instanceof SluiceError &&
  e.code === "http_error" &&
  e.details.status === 400 &&
  /scroll already exists/i.test(e.message);

/** First call (no scroll_param): retried normally; "scroll already exists" → wait and retry. */
async function firstPage(ctx: StreamContext, signal: AbortSignal, isRestart: boolean): Promise<JsonObject> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await ctx.client.request<JsonObject>({
        method: "GET",
        path: "/companies/scroll",
        signal,
        reporter: ctx.reporter,
      });
      return res.body ?? {};
    } catch (error) {
      if (!isScrollExists(error) || Date.now() - started > ctx.opts.scrollExistsMaxWaitMs) throw error;
      ctx.logger.info(
        { isRestart, waitMs: ctx.opts.scrollExistsRetryMs },
        "companies: a scroll already exists for this app; waiting for it to finish or expire",
      );
      ctx.reporter.rateLimitWait(ctx.opts.scrollExistsRetryMs, false);
      await sleep(ctx.opts.scrollExistsRetryMs, signal);
    }
  }
}

/** Next page: NOT retried by the client — re-sending a scroll_param after a failure is wrong (§4.2). */
async function nextPage(ctx: StreamContext, signal: AbortSignal, param: string): Promise<JsonObject> {
  const res = await ctx.client.request<JsonObject>({
    method: "GET",
    path: "/companies/scroll",
    query: { scroll_param: param },
    signal,
    reporter: ctx.reporter,
    retry: false,
  });
  return res.body ?? {};
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export const companiesStream: IntercomStream = {
  name: "companies",
  descriptor: (d) => ({
    name: "companies",
    primaryKey: ["id"],
    schema: companySchema(d.companyCustom),
    syncModes: ["full"],
  }),
  read: readCompanies,
};
