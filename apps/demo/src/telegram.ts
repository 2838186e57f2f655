/**
 * `pnpm demo:telegram`: the Telegram pipeline on embedded services. A local Telegram Bot API
 * simulator sends a group's messages to the webhook (the telegram-webhook app's HTTP server),
 * which stores each update untouched in an embedded S3 (s3rver in .demo/telegram/s3) under
 * today's São Paulo day; then the daily job (telegram-daily's runDaily) turns that day into
 * one Parquet file, read back here to print row counts.
 */
import { mkdir, rm } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { createLogger, type JsonObject } from "@sluice/core";
import { decodeRecords } from "@sluice/formats";
import { startS3rver } from "@sluice/sink-s3/testing";
import { botApi, dayIn } from "@sluice/source-telegram";
import { runDaily } from "@sluice/telegram-daily";
import { mixedUpdates, startTelegramSimulator } from "@sluice/telegram-simulator";
import { startWebhookServer } from "@sluice/telegram-webhook";
import { formatBytes, formatCount, formatDuration, table } from "./format.js";

const DIR = resolve(".demo/telegram");
const RAW = "sluice-demo-raw";
const ENRICHED = "sluice-demo-enriched";
const TZ = "America/Sao_Paulo";
const MESSAGES = 500;

const out = (line = "") => process.stdout.write(`${line}\n`);

async function countKeys(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    n += r.KeyCount ?? 0;
    token = r.NextContinuationToken;
  } while (token);
  return n;
}

async function readParquet(client: S3Client, key: string): Promise<{ rows: JsonObject[]; bytes: number }> {
  const r = await client.send(new GetObjectCommand({ Bucket: ENRICHED, Key: key }));
  const bytes = await r.Body!.transformToByteArray();
  const rows: JsonObject[] = [];
  for await (const batch of decodeRecords(
    (async function* () {
      yield bytes;
    })(),
    { format: "parquet", key },
  ))
    rows.push(...batch);
  return { rows, bytes: bytes.byteLength };
}

const countBy = (rows: JsonObject[], field: string): string[][] => {
  const counts = new Map<string, number>();
  for (const row of rows)
    counts.set(String(row[field] ?? "—"), (counts.get(String(row[field] ?? "—")) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, formatCount(v)]);
};

async function main(): Promise<number> {
  const started = Date.now();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const logger = createLogger({ name: "demo-telegram", level: "warn" });
  await rm(DIR, { recursive: true, force: true });
  await mkdir(resolve(DIR, "s3"), { recursive: true });
  const [sim, s3] = await Promise.all([
    startTelegramSimulator(),
    startS3rver({ directory: resolve(DIR, "s3"), buckets: [RAW, ENRICHED] }),
  ]);
  const secretToken = ["demo", Math.random().toString(36).slice(2), Date.now().toString(36)].join("_");
  const webhook = await startWebhookServer(
    {
      secretToken,
      rawBucket: RAW,
      rawPrefix: "telegram/",
      timeZone: TZ,
      port: 0,
      forcePathStyle: true,
      logLevel: "warn",
    },
    { s3ClientConfig: s3.clientConfig, logger },
  );
  const url = `http://127.0.0.1:${webhook.port}/telegram`;
  try {
    out("Sluice demo: Telegram (local Bot API simulator) → webhook → S3 raw by day → daily Parquet");
    out();
    out(`  Bot API simulator  ${sim.url}`);
    out(`  webhook            ${url}  (telegram-webhook's HTTP server)`);
    out(
      `  S3 (s3rver)        ${s3.endpoint}  buckets ${RAW}, ${ENRICHED}; files in ${relative(process.cwd(), DIR)}/s3/`,
    );
    out();
    const api = botApi({ token: sim.token, baseUrl: sim.url });
    await api.setWebhook({
      url,
      secret_token: secretToken,
      allowed_updates: ["message", "edited_message", "channel_post", "edited_channel_post", "callback_query"],
    });
    out(
      `1/3 setWebhook with a secret token; the group talks: ${MESSAGES} updates (texts, photos, stickers, edits, channel posts)`,
    );
    mixedUpdates(sim, MESSAGES);
    await sim.idle();
    const day = dayIn(new Date(), TZ);
    const rawCount = await countKeys(s3.client, RAW, `telegram/context_date=${day}/`);
    const info = await api.getWebhookInfo();
    out(
      `2/3 webhook stored ${formatCount(rawCount)} raw objects under s3://${RAW}/telegram/context_date=${day}/ (pending: ${info.pending_update_count})`,
    );
    const report = await runDaily(
      {
        rawBucket: RAW,
        rawPrefix: "telegram/",
        enrichedBucket: ENRICHED,
        enrichedPrefix: "telegram/",
        timeZone: TZ,
        date: day,
        skipInvalid: false,
        forcePathStyle: true,
        logLevel: "warn",
      },
      { s3ClientConfig: s3.clientConfig, logger },
    );
    const { rows, bytes } = await readParquet(s3.client, report.key);
    out(
      `3/3 daily job for ${day}: s3://${ENRICHED}/${report.key} (${formatBytes(bytes)}, ${formatCount(rows.length)} rows)`,
    );
    out();
    out(table(["update_type", "rows"], countBy(rows, "update_type")));
    out();
    out(table(["media_type", "rows"], countBy(rows, "media_type")));
    out();
    out(
      `Done in ${formatDuration(Date.now() - started)}. Raw and Parquet files: ${relative(process.cwd(), DIR)}/s3/`,
    );
    return rows.length > 0 && rawCount === MESSAGES ? 0 : 1;
  } finally {
    await webhook.close();
    await Promise.allSettled([sim.close(), s3.close()]);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo:telegram failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
