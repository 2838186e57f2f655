/**
 * Scenario: Telegram. (1) the webhook on loopback into s3rver: requests/s and p99 latency vs
 * direct PutObjects of the same bodies; (2) the daily job at 100k and 1M messages: messages/s
 * and peak RSS vs a naive job that loads the whole day into memory and writes Parquet once.
 */
import { startS3rver } from "@sluice/sink-s3/testing";
import { runWorker } from "../harness/child.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { TelegramDailyResult } from "../workers/telegram-daily.js";
import type { TelegramWebhookResult } from "../workers/telegram-webhook.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const MEMORY_GOAL = 256 * 1024 * 1024;

async function webhookRows(ctx: BenchContext): Promise<Row[]> {
  const count = ctx.quick ? 1000 : 5000;
  const concurrency = 32;
  const bucket = "sluice-bench-telegram";
  const s3 = await startS3rver({ buckets: [bucket] });
  try {
    const params = { endpoint: s3.endpoint, bucket, count, concurrency };
    ctx.log(
      `telegram webhook: ${count} deliveries, ${concurrency} concurrent, direct PutObject (diagnostic)`,
    );
    const put = await runWorker<TelegramWebhookResult>("telegram-webhook", { ...params, mode: "put" });
    ctx.log("telegram webhook: bare node:http handler baseline");
    const bare = await runWorker<TelegramWebhookResult>("telegram-webhook", { ...params, mode: "bare" });
    ctx.log("telegram webhook: through the webhook server");
    const hook = await runWorker<TelegramWebhookResult>("telegram-webhook", { ...params, mode: "webhook" });
    const rps = (r: TelegramWebhookResult) => (count / r.ms) * 1000;
    const r = rps(hook.result) / rps(bare.result);
    return [
      {
        scenario: `Telegram webhook on loopback, ${int(count)} updates, ${concurrency} concurrent (s3rver)`,
        sluice: `${int(rps(hook.result))} req/s, p50 ${hook.result.latenciesMs.p50.toFixed(1)} ms, p99 ${hook.result.latenciesMs.p99.toFixed(1)} ms${hook.result.failures ? `, ${hook.result.failures} failed` : ""}`,
        baseline: `bare handler ${int(rps(bare.result))} req/s, p99 ${bare.result.latenciesMs.p99.toFixed(1)} ms (direct PutObject: ${int(rps(put.result))} req/s, p99 ${put.result.latenciesMs.p99.toFixed(1)} ms)`,
        ratio: `${ratio(r)} bare`,
        memory: `webhook ${mb(hook.peakRss)} / bare ${mb(bare.peakRss)}`,
        goal: ">= 0.8x bare",
        verdict: r >= 0.8 && hook.result.failures === 0 ? "met" : `MISSED (${ratio(r)})`,
      },
    ];
  } finally {
    await s3.close();
  }
}

async function dailyRow(ctx: BenchContext, count: number, withNaive: boolean): Promise<Row> {
  ctx.log(`telegram daily: ${int(count)} messages, runDaily`);
  const sluice = await runWorker<TelegramDailyResult>("telegram-daily", { count, mode: "sluice" });
  const mps = (r: TelegramDailyResult) => (r.rows / r.ms) * 1000;
  let naive: Awaited<ReturnType<typeof runWorker<TelegramDailyResult>>> | undefined;
  let naiveError = "";
  if (withNaive) {
    ctx.log(`telegram daily: ${int(count)} messages, naive load-all job`);
    naive = await runWorker<TelegramDailyResult>("telegram-daily", { count, mode: "naive" }).catch(
      (e: unknown) => {
        naiveError = String(e).split("\n")[0] ?? "";
        return undefined;
      },
    );
  }
  return {
    scenario: `Telegram daily job, ${int(count)} messages → 1 Parquet (synthetic S3)`,
    sluice: `${sec(sluice.result.ms)}, ${int(mps(sluice.result))} msg/s, ${mb(sluice.result.bytes)} Parquet`,
    baseline: naive
      ? `naive ${sec(naive.result.ms)}, ${int(mps(naive.result))} msg/s`
      : withNaive
        ? `naive failed: ${naiveError.slice(0, 80)}`
        : "naive not run at this size",
    ratio: naive
      ? `${ratio(mps(sluice.result) / mps(naive.result))} naive speed, ${ratio(naive.peakRss / sluice.peakRss)} less RSS`
      : "",
    memory: `runDaily ${mb(sluice.peakRss)}${naive ? ` / naive ${mb(naive.peakRss)}` : ""}`,
    goal: "<= 256 MB",
    verdict: sluice.peakRss <= MEMORY_GOAL ? "met" : `MISSED: ${mb(sluice.peakRss)}`,
  };
}

export const telegramScenario: Scenario = {
  id: "telegram",
  title: "Telegram: webhook req/s + p99; daily job msg/s + RSS vs naive",
  async run(ctx: BenchContext): Promise<Row[]> {
    const rows: Row[] = [];
    try {
      rows.push(...(await webhookRows(ctx)));
    } catch (error) {
      rows.push(failedRow("Telegram webhook", error));
    }
    const sizes = ctx.quick ? [20_000, 100_000] : [100_000, 1_000_000];
    for (const count of sizes) {
      try {
        rows.push(await dailyRow(ctx, count, true));
      } catch (error) {
        rows.push(failedRow(`Telegram daily ${int(count)}`, error));
      }
    }
    ctx.notes.push(
      "Telegram: the webhook worker runs the HTTP server and its load generator in one process against s3rver (loopback); the baseline is a hand-written node:http handler that PUTs each body without checking anything (same process layout); direct PutObjects of the same bodies (no HTTP) are a diagnostic floor. " +
        "The daily job reads and writes through an in-process synthetic S3 (generated raw objects, uploads counted and discarded) so the figures are the job's own cost; the naive job lists everything, reads every object into memory, flattens, encodes one row group and PUTs once.",
    );
    return rows;
  },
};
