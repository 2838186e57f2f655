/**
 * Scenario 1: Intercom extract against the simulator (rate limit 1666 per 10 s, 20 ms latency;
 * --quick: 416 per 10 s):
 * wall time vs the rate-limit bound, 429s, calls made, and the official SDK on the same data.
 */
import { startSimulator } from "@sluice/intercom-simulator";
import { runWorker } from "../harness/child.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { IntercomSdkResult } from "../workers/intercom-sdk.js";
import type { IntercomSluiceResult } from "../workers/intercom-sluice.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const PAGE = 150;
const LATENCY_MS = 20;
const SCROLL_PAGE = 50;
const SMALL = { companies: 50, admins: 12, teams: 4, tags: 25, segments: 8 };
const STREAMS = ["contacts", "conversations", "companies", "admins", "teams", "tags", "segments"];

export const intercomScenario: Scenario = {
  id: "intercom",
  title: "Intercom extract: source-intercom vs rate-limit bound vs intercom-client SDK",
  async run(ctx: BenchContext): Promise<Row[]> {
    const contacts = ctx.quick ? 5_000 : 20_000;
    const conversations = ctx.quick ? 600 : 3_000;
    // --quick: a quarter of the limit, so the smaller job still spans several windows.
    const rateLimit = { limit: ctx.quick ? 416 : 1666, windowSeconds: 10 };
    const name = `Intercom extract ${contacts / 1000}k+${conversations >= 1000 ? `${conversations / 1000}k` : conversations}`;
    const simOptions = {
      seed: 7,
      contacts,
      conversations,
      ...SMALL,
      rateLimit,
      latencyMs: LATENCY_MS,
      port: 0,
    };
    // minimal calls: list pages + one GET per conversation + one page per small stream
    // (companies: scroll pages plus the final empty page that ends the scroll).
    const small = 4 + Math.ceil(SMALL.companies / SCROLL_PAGE) + 1;
    const minimalCalls = Math.ceil(contacts / PAGE) + Math.ceil(conversations / PAGE) + conversations + small;
    const boundMs = (minimalCalls / (rateLimit.limit / rateLimit.windowSeconds)) * 1000;
    const rows: Row[] = [];
    try {
      ctx.log(`${name}: source-intercom`);
      const sim = await startSimulator(simOptions);
      let sluice: Awaited<ReturnType<typeof runWorker<IntercomSluiceResult>>>;
      let sluiceStats: ReturnType<typeof sim.stats>;
      try {
        sim.resetStats();
        sluice = await runWorker<IntercomSluiceResult>("intercom-sluice", {
          url: sim.url,
          token: sim.token,
          streams: STREAMS,
        });
        sluiceStats = sim.stats();
      } finally {
        await sim.close();
      }
      // A fresh simulator (same seed, same data) so the SDK starts with a full rate-limit window too.
      ctx.log(`${name}: intercom-client SDK`);
      const sim2 = await startSimulator(simOptions);
      let sdkText = "SDK not measured";
      let sdkRatio = "";
      try {
        sim2.resetStats();
        const sdk = await runWorker<IntercomSdkResult>("intercom-sdk", { url: sim2.url, token: sim2.token });
        const s = sim2.stats();
        sdkText = `SDK ${sec(sdk.result.ms)}, ${int(s.requests)} calls, ${s.throttled429} 429s, ${mb(sdk.peakRss)}`;
        sdkRatio = `SDK ${ratio(sdk.result.ms / sluice.result.ms)} slower`;
        if (sdk.result.contacts !== contacts || sdk.result.details !== conversations) {
          ctx.notes.push(
            `Intercom SDK read ${sdk.result.contacts} contacts and ${sdk.result.details} conversation details (expected ${contacts}/${conversations})`,
          );
        }
      } catch (error) {
        sdkText = `SDK failed: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`;
      } finally {
        await sim2.close();
      }
      const r = sluice.result.ms / boundMs;
      rows.push({
        scenario: name,
        sluice: `wall ${sec(sluice.result.ms)}, ${int(sluiceStats.requests)} calls (minimal ${int(minimalCalls)}), ${sluiceStats.throttled429} 429s`,
        baseline: `bound ${sec(boundMs)}; ${sdkText}`,
        ratio: `${ratio(r)} bound; ${sdkRatio}`,
        memory: mb(sluice.peakRss),
        goal: "<= 1.15x bound",
        verdict: r <= 1.15 ? "met" : `MISSED by ${((r - 1.15) * 100).toFixed(0)} pts`,
      });
      const got = sluice.result.records;
      if (got.contacts !== contacts || got.conversations !== conversations) {
        ctx.notes.push(
          `Intercom: source-intercom read ${JSON.stringify(got)} (expected ${contacts} contacts, ${conversations} conversations)`,
        );
      }
      ctx.notes.push(
        `Intercom: simulator ${JSON.stringify({ ...SMALL, contacts, conversations })}, rate limit ${rateLimit.limit}/${rateLimit.windowSeconds}s, ${LATENCY_MS} ms latency; ` +
          `source-intercom streams ${STREAMS.join(", ")} with default options; bound = minimal calls ` +
          `(ceil(contacts/150) + ceil(conversations/150) + conversations + ${small} small-stream pages) / ${rateLimit.limit / rateLimit.windowSeconds} calls/s; ` +
          `a fixed window lets the first ${rateLimit.limit} calls through at once, so below 1.00x is possible. ` +
          `SDK (intercom-client) reads contacts + conversations + one find per conversation only (no small streams), sequentially as its docs show. ` +
          `Sluice calls by route: ${JSON.stringify(sluiceStats.byRoute)}.`,
      );
    } catch (error) {
      rows.push(failedRow(name, error));
    }
    return rows;
  },
};
