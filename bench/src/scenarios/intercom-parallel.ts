/**
 * Scenario: N parallel extract processes sharing ONE Intercom rate limit (the state machine fans
 * out one task per stream). The same streams (contacts, conversations, companies) are split over
 * N = 1, 2, 3 child processes, each with its own source and governor, against one simulator;
 * every run gets a fresh simulator (same seed) so it starts with a full window.
 * Figures: wall time (first spawn to last exit) vs the rate-limit bound, and 429s.
 */
import { startSimulator } from "@sluice/intercom-simulator";
import { runWorker } from "../harness/child.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { IntercomSluiceResult } from "../workers/intercom-sluice.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const LATENCY_MS = 20;
const SPLITS: string[][][] = [
  [["contacts", "conversations", "companies"]],
  [["conversations"], ["contacts", "companies"]],
  [["contacts"], ["conversations"], ["companies"]],
];

interface Run {
  n: number;
  ms: number;
  served: number;
  throttled429: number;
  peakRss: number;
}

async function runSplit(split: string[][], simOptions: Parameters<typeof startSimulator>[0]): Promise<Run> {
  const sim = await startSimulator(simOptions);
  try {
    sim.resetStats();
    const t0 = performance.now();
    const results = await Promise.all(
      split.map((streams) =>
        runWorker<IntercomSluiceResult>("intercom-sluice", {
          url: sim.url,
          token: sim.token,
          streams,
          concurrency: streams.length,
        }),
      ),
    );
    const ms = performance.now() - t0;
    const s = sim.stats();
    return {
      n: split.length,
      ms,
      served: s.requests - s.throttled429,
      throttled429: s.throttled429,
      peakRss: Math.max(...results.map((r) => r.peakRss)),
    };
  } finally {
    await sim.close();
  }
}

export const intercomParallelScenario: Scenario = {
  id: "intercom-parallel",
  title: "Intercom: N parallel extract processes vs one, against one rate limit",
  async run(ctx: BenchContext): Promise<Row[]> {
    const contacts = ctx.quick ? 5_000 : 20_000;
    const conversations = ctx.quick ? 600 : 3_000;
    // a quarter (--quick: a tenth) of Intercom's 1666 per 10 s, so the job spans several windows: a
    // fixed window lets its first `limit` calls through at once, which makes a one-window job beat any bound.
    const rateLimit = { limit: ctx.quick ? 150 : 416, windowSeconds: 10 };
    const simOptions = { seed: 7, contacts, conversations, companies: 300, rateLimit, latencyMs: LATENCY_MS };
    const name = `Intercom ${contacts / 1000}k+${conversations} parallel`;
    const rows: Row[] = [];
    const runs: Run[] = [];
    try {
      for (const split of SPLITS) {
        ctx.log(`${name}: ${split.length} process(es): ${split.map((s) => s.join("+")).join(" | ")}`);
        runs.push(await runSplit(split, simOptions));
      }
    } catch (error) {
      rows.push(failedRow(name, error));
      return rows;
    }
    const one = runs[0]!;
    for (const r of runs) {
      const boundMs = (r.served / (rateLimit.limit / rateLimit.windowSeconds)) * 1000;
      const toBound = r.ms / boundMs;
      const share429 = r.throttled429 / (r.served + r.throttled429);
      const met = toBound <= 1.3 && share429 <= 0.02;
      rows.push({
        scenario: `${name}, N=${r.n}`,
        sluice: `wall ${sec(r.ms)}, ${int(r.served)} calls, ${r.throttled429} 429s (${(share429 * 100).toFixed(1)} %)`,
        baseline: `bound ${sec(boundMs)}; N=1 wall ${sec(one.ms)}`,
        ratio: `${ratio(toBound)} bound; ${ratio(r.ms / one.ms)} N=1`,
        memory: mb(r.peakRss),
        goal: "<= 1.3x bound, 429s <= 2 %",
        verdict: met ? "met" : "MISSED",
      });
    }
    ctx.notes.push(
      `Intercom parallel: streams contacts, conversations, companies split over N child processes ` +
        `(${SPLITS.map((s) => s.map((x) => x.join("+")).join(" | ")).join("; ")}), each its own source-intercom and governor, ` +
        `one simulator (fresh per N, same seed) at ${rateLimit.limit}/${rateLimit.windowSeconds}s, ${LATENCY_MS} ms latency; ` +
        `bound = calls served / allowed calls per second; wall = first spawn to last exit (includes process start). ` +
        `The rate limit binds, so parallel processes cannot beat the bound: the figure is that they do not lose to it (429s, waits).`,
    );
    return rows;
  },
};
