/**
 * Measures the Intercom source against the simulator at a given rate limit:
 * calls made, 429s, wall time, and the ratio to the rate-limit bound
 * (minimal calls ÷ allowed calls per second).
 *
 *   pnpm --filter @sluice/source-intercom measure -- --contacts 20000 --conversations 3000 \
 *     --limit 1666 --window 10 --latency 20 --concurrency 10
 * (or: node --import tsx packages/source-intercom/scripts/measure.ts …, with the "sluice-source"
 *  condition: node --conditions=sluice-source --import tsx …)
 */
import { parseArgs } from "node:util";
import { type StreamReporter, silentLogger } from "@sluice/core";
import { startSimulator } from "@sluice/intercom-simulator";
import { intercomSource } from "../src/index.js";

const { values } = parseArgs({
  options: {
    contacts: { type: "string", default: "20000" },
    conversations: { type: "string", default: "3000" },
    companies: { type: "string", default: "0" },
    limit: { type: "string", default: "1666" },
    window: { type: "string", default: "10" },
    latency: { type: "string", default: "20" },
    concurrency: { type: "string", default: "10" },
    perPage: { type: "string", default: "150" },
    streams: { type: "string", default: "contacts,conversations" },
    margin: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
  },
});
const n = (k: keyof typeof values) => Number(values[k]);

const sim = await startSimulator({
  seed: 1,
  contacts: n("contacts"),
  conversations: n("conversations"),
  companies: n("companies"),
  largeConversations: 0,
  maxPartsPerConversation: 10,
  rateLimit: { limit: n("limit"), windowSeconds: n("window") },
  latencyMs: n("latency"),
});
const streams = String(values.streams).split(",");
const perPage = n("perPage");
const source = intercomSource({
  accessToken: sim.token,
  baseUrl: sim.url,
  perPage,
  conversationConcurrency: n("concurrency"),
  rateLimitSafetyMargin: n("margin"),
});

const counters = { calls: 0, retries: 0, waits: 0, waitMs: 0, waits429: 0, records: 0, warnings: 0 };
const reporter: StreamReporter = {
  call: () => void counters.calls++,
  retry: () => void counters.retries++,
  rateLimitWait: (ms, is429) => {
    counters.waits++;
    counters.waitMs += ms;
    if (is429) counters.waits429++;
  },
  warn: () => void counters.warnings++,
  setTotal: () => undefined,
};

const minimal: Record<string, number> = {
  contacts: Math.ceil(n("contacts") / perPage),
  conversations: Math.ceil(n("conversations") / perPage) + n("conversations"),
  conversation_parts: Math.ceil(n("conversations") / perPage) + n("conversations"),
};
const minimalCalls = streams.reduce((sum, s) => sum + (minimal[s] ?? 1), 0);
const allowedPerSecond = n("limit") / n("window");
const boundSeconds = minimalCalls / allowedPerSecond;

sim.resetStats();
const started = performance.now();
// streams run concurrently, like the runner with concurrency >= streams
await Promise.all(
  streams.map(async (stream) => {
    for await (const m of source.read(stream, {
      syncMode: "full",
      signal: new AbortController().signal,
      logger: silentLogger(),
      reporter,
    })) {
      if (m.kind === "records") counters.records += m.records.length;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const stats = sim.stats();
await sim.close();

const result = {
  streams,
  records: counters.records,
  calls: counters.calls,
  serverRequests: stats.requests,
  minimalCalls,
  throttled429: stats.throttled429,
  retries: counters.retries,
  rateLimitWaits: counters.waits,
  wallSeconds: Number(seconds.toFixed(2)),
  boundSeconds: Number(boundSeconds.toFixed(2)),
  ratioToBound: Number((seconds / boundSeconds).toFixed(3)),
  limit: `${n("limit")}/${n("window")}s`,
  latencyMs: n("latency"),
  conversationConcurrency: n("concurrency"),
};
if (values.json) console.log(JSON.stringify(result));
else console.table(result);
