import { randomUUID } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import {
  mixedUpdates,
  type SimUpdate,
  startTelegramSimulator,
  type TelegramSimulator,
} from "@sluice/telegram-simulator";
import { startWebhookServer } from "@sluice/telegram-webhook";
import { afterAll, beforeAll, expect, test } from "vitest";
import { duck, EXPECTED_COLUMNS, getBytes, listKeys } from "./support.js";

const DAY = "2026-01-01";
// 23:59 on 1 Jan in São Paulo is already 2 Jan in UTC: the partition must still be 1 Jan
const RECEIVED_AT = new Date("2026-01-02T02:59:00Z");
let s3: S3rverHandle;
let sim: TelegramSimulator;
let webhook: Awaited<ReturnType<typeof startWebhookServer>>;
let db: Awaited<ReturnType<typeof duck>>;
const raw = uniqueName("tg-e2e-raw");
const enriched = uniqueName("tg-e2e-enriched");
const secret = ["e2e", randomUUID().replaceAll("-", "")].join("_");

beforeAll(async () => {
  [s3, sim, db] = await Promise.all([
    startS3rver(),
    startTelegramSimulator({ now: () => RECEIVED_AT }),
    duck(),
  ]);
  for (const Bucket of [raw, enriched]) await s3.client.send(new CreateBucketCommand({ Bucket }));
  webhook = await startWebhookServer(
    {
      secretToken: secret,
      rawBucket: raw,
      rawPrefix: "telegram/",
      timeZone: "America/Sao_Paulo",
      port: 0,
      forcePathStyle: true,
      logLevel: "silent",
    },
    { s3ClientConfig: s3.clientConfig, now: () => RECEIVED_AT },
  );
});
afterAll(async () => {
  db?.close();
  await webhook?.close();
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

type Row = Record<string, unknown>;

/** What a row must hold, derived from the update as the simulator sent it. */
function expectedRow(u: SimUpdate): Row | undefined {
  const type = ["message", "edited_message", "channel_post", "edited_channel_post"].find((t) => t in u);
  if (!type) return undefined;
  interface Msg {
    message_id: number;
    from?: { id: number; is_bot: boolean; first_name: string; username?: string };
    chat: { id: number; type: string; title?: string };
    text?: string;
    caption?: string;
    photo?: unknown;
    sticker?: unknown;
    date: number;
    edit_date?: number;
  }
  const m = u[type] as Msg;
  return {
    update_id: u.update_id,
    update_type: type,
    message_id: m.message_id,
    user_id: m.from?.id ?? null,
    user_is_bot: m.from?.is_bot ?? null,
    user_first_name: m.from?.first_name ?? null,
    user_username: m.from?.username ?? null,
    chat_id: m.chat.id,
    chat_type: m.chat.type,
    chat_title: m.chat.title ?? null,
    text: m.text ?? m.caption ?? null,
    media_type: m.photo ? "photo" : m.sticker ? "sticker" : null,
    date: m.date,
    edit_date: m.edit_date ?? null,
    context_date: DAY,
  };
}

const plain = (row: Row): Row =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]));

test("2,000 mixed updates: simulator → webhook → raw by day → daily job → one Parquet file equal to the updates", async () => {
  const updates = mixedUpdates(sim, 2000);
  const res = await fetch(`${sim.url}/bot${sim.token}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      url: `http://127.0.0.1:${webhook.port}/`,
      secret_token: secret,
      allowed_updates: ["message", "edited_message", "channel_post", "edited_channel_post", "callback_query"],
    }),
  });
  expect(res.status).toBe(200);
  await sim.idle();
  expect(sim.deliveries.filter((d) => d.status !== 200)).toEqual([]);
  expect(await listKeys(s3.client, raw, `telegram/context_date=${DAY}/`)).toHaveLength(2000);

  const run = await runApp(
    appMain("telegram-daily"),
    baseEnv({
      ...s3rverEnv(s3.endpoint),
      RAW_BUCKET: raw,
      ENRICHED_BUCKET: enriched,
      DATE: DAY,
      LOG_LEVEL: "warn",
    }),
  );
  expect(run.code, run.stderr).toBe(0);
  expect(await listKeys(s3.client, enriched)).toEqual([`telegram/context_date=${DAY}/telegram.parquet`]);
  const bytes = (await getBytes(s3.client, enriched, `telegram/context_date=${DAY}/telegram.parquet`))!;
  const types = await db.query(bytes, (f) => `DESCRIBE SELECT * FROM ${f}`);
  expect(types.map((t) => `${t.column_name}:${t.column_type}`)).toEqual(EXPECTED_COLUMNS);

  const rows = await db.query(
    bytes,
    (f) =>
      `SELECT * REPLACE (epoch(date)::BIGINT AS date, epoch(edit_date)::BIGINT AS edit_date, context_date::VARCHAR AS context_date) FROM ${f} ORDER BY update_id`,
  );
  const expected = updates.map(expectedRow).filter((r): r is Row => r !== undefined);
  expect(expected.length).toBeGreaterThan(1900); // a few callback queries carry no message
  expect(new Set(expected.map((r) => r.update_type))).toEqual(
    new Set(["message", "edited_message", "channel_post", "edited_channel_post"]),
  );
  expect(rows.map(plain)).toEqual(expected);
}, 180_000); // 2,000 webhook deliveries into s3rver: slow on a busy machine
