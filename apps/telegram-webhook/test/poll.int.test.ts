import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { baseEnv, runApp, s3rverEnv, uniqueName, waitFor } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { dayIn } from "@sluice/source-telegram";
import { startTelegramSimulator, type TelegramSimulator } from "@sluice/telegram-simulator";
import { afterAll, beforeAll, expect, test } from "vitest";
import { SERVER, startServerProcess } from "./server-process.js";

let s3: S3rverHandle;
let sim: TelegramSimulator;
const bucket = uniqueName("tg-poll");

beforeAll(async () => {
  [s3, sim] = await Promise.all([startS3rver(), startTelegramSimulator()]);
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

const env = () =>
  baseEnv({
    ...s3rverEnv(s3.endpoint),
    RAW_BUCKET: bucket,
    TELEGRAM_BOT_TOKEN: sim.token,
    TELEGRAM_API_URL: sim.url,
    POLL_TIMEOUT_SECONDS: "1",
  });
const rawKeys = async () => {
  const r = await s3.client.send(
    new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: `telegram/context_date=${dayIn(new Date(), "America/Sao_Paulo")}/`,
    }),
  );
  return (r.Contents ?? []).map((o) => o.Key!);
};
const text = async (key: string) =>
  (await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString("utf8");

test("poll: getUpdates → the webhook's raw layout; SIGTERM drains; a restart resumes from the saved offset", async () => {
  const group = sim.group("Sem URL pública");
  const ana = sim.user({ first_name: "Ana" });
  const first = Array.from({ length: 30 }, (_, i) => sim.sendText(ana, group, `mensagem ${i} 😀`));
  const poller = await startServerProcess(env(), ["poll"], /"msg":"polling getUpdates"/);
  await waitFor(async () => (await rawKeys()).length === 30, 30_000, "30 raw objects");
  await waitFor(
    async () =>
      (await text("telegram/_state/getupdates.json").catch(() => "")).includes(
        String(first.at(-1)!.update_id + 1),
      ),
    10_000,
    "the saved offset",
  );
  expect(await poller.stop()).toBe(0);
  const sample = first[7]!;
  expect(
    JSON.parse(
      await text(`telegram/context_date=${dayIn(new Date(), "America/Sao_Paulo")}/${sample.update_id}.json`),
    ),
  ).toEqual(sample);

  const more = Array.from({ length: 5 }, (_, i) => sim.sendSticker(ana, group, i % 2 ? "🔥" : "👍"));
  const again = await startServerProcess(env(), ["poll"], /"msg":"polling getUpdates"/);
  await waitFor(async () => (await rawKeys()).length === 35, 30_000, "35 raw objects");
  expect(await again.stop()).toBe(0);
  expect((await rawKeys()).sort()).toEqual(
    [...first, ...more]
      .map((u) => `telegram/context_date=${dayIn(new Date(), "America/Sao_Paulo")}/${u.update_id}.json`)
      .sort(),
  );
});

test("poll while a webhook is set: exit 1 with what to do", async () => {
  await fetch(`${sim.url}/bot${sim.token}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/x", secret_token: "abc" }),
  });
  const r = await runApp(SERVER, env(), { args: ["poll"] });
  expect(r.code).toBe(1);
  expect(r.lastLine).toMatch(/webhook is set.*delete-webhook/);
  expect(r.stdout + r.stderr).not.toContain(sim.token);
});
