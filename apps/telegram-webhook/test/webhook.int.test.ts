import { randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { baseEnv, runApp, s3rverEnv, uniqueName, waitFor } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { dayIn } from "@sluice/source-telegram";
import { startTelegramSimulator, type TelegramSimulator } from "@sluice/telegram-simulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SERVER, type ServerProcess, startServerProcess } from "./server-process.js";

let s3: S3rverHandle;
let sim: TelegramSimulator;
let server: ServerProcess;
const bucket = uniqueName("tg-webhook");
const secret = ["whsec", randomUUID().replaceAll("-", "")].join("_");
const SP = "America/Sao_Paulo";

const appEnv = (extra: Record<string, string> = {}) =>
  baseEnv({
    ...s3rverEnv(s3.endpoint),
    RAW_BUCKET: bucket,
    TELEGRAM_SECRET_TOKEN: secret,
    PORT: "0",
    LOG_LEVEL: "info",
    ...extra,
  });
const commandEnv = (extra: Record<string, string> = {}) =>
  baseEnv({
    TELEGRAM_BOT_TOKEN: sim.token,
    TELEGRAM_API_URL: sim.url,
    TELEGRAM_SECRET_TOKEN: secret,
    ...extra,
  });
const command = (args: string[], env = commandEnv()) => runApp(SERVER, env, { args });

async function keys(prefix = ""): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await s3.client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of r.Contents ?? []) out.push(o.Key!);
    token = r.NextContinuationToken;
  } while (token);
  return out;
}
async function text(key: string): Promise<string> {
  return await (
    await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  ).Body!.transformToString("utf8");
}
const today = () => dayIn(new Date(), SP);

beforeAll(async () => {
  [s3, sim] = await Promise.all([
    startS3rver(),
    startTelegramSimulator({ delivery: { retryDelayMs: 20, maxAttempts: 3 } }),
  ]);
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  server = await startServerProcess(appEnv());
});
afterAll(async () => {
  await server?.stop();
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

describe("telegram-webhook (black box: dist/server.js)", () => {
  test("set-webhook / get-webhook-info commands; simulator deliveries land byte for byte under today's São Paulo day", async () => {
    const set = await command([
      "set-webhook",
      "--url",
      server.url,
      "--allowed-updates",
      "message,edited_message,channel_post,edited_channel_post,callback_query",
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(sim.webhookUrl).toBe(server.url);
    const group = sim.group("Grupo 🇧🇷");
    const ana = sim.user({ first_name: "Ana" });
    const sent = [
      sim.sendText(ana, group, "مرحبا 👋🏽 שלום"),
      sim.sendPhoto(ana, group, "nota #1"),
      sim.sendSticker(ana, group, "🔥"),
    ];
    await sim.idle();
    for (const u of sent) {
      expect(await text(`telegram/context_date=${today()}/${u.update_id}.json`)).toBe(JSON.stringify(u));
    }
    expect(sim.deliveries.filter((d) => d.status !== 200)).toEqual([]);
    const info = await command(["get-webhook-info"]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout.trim().split("\n").at(-1)!).result).toMatchObject({
      url: server.url,
      pending_update_count: 0,
    });
    for (const r of [set, info]) expect(r.stdout + r.stderr).not.toContain(sim.token);
  });

  test("wrong or missing secret → 401, invalid body → 400, over 1 MiB → 413: nothing written", async () => {
    const before = (await keys()).length;
    const body = JSON.stringify({
      update_id: 990000001,
      message: { message_id: 1, chat: { id: 1, type: "private" }, date: 1 },
    });
    const post = (headers: Record<string, string>, b: string | Buffer = body) =>
      fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: b,
      });
    expect((await post({ "x-telegram-bot-api-secret-token": `${secret}0` })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-telegram-bot-api-secret-token": secret }, "{oops")).status).toBe(400);
    expect((await post({ "x-telegram-bot-api-secret-token": secret }, '{"update_id":"x"}')).status).toBe(400);
    expect(
      (await post({ "x-telegram-bot-api-secret-token": secret }, Buffer.alloc(1024 * 1024 + 1, 32))).status,
    ).toBe(413);
    expect((await keys()).length).toBe(before);
  });

  test("a duplicated delivery leaves one object", async () => {
    const body = JSON.stringify({
      update_id: 990000002,
      message: { message_id: 2, chat: { id: 1, type: "private" }, date: 1, text: "dup" },
    });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(server.url, {
        method: "POST",
        headers: { "x-telegram-bot-api-secret-token": secret },
        body,
      });
      expect(r.status).toBe(200);
    }
    expect(await keys(`telegram/context_date=${today()}/990000002`)).toHaveLength(1);
  });

  test("a webhook set with another secret is refused: the simulator retries, then reports the 401", async () => {
    const other = ["other", randomUUID().replaceAll("-", "")].join("_");
    expect(
      (await command(["set-webhook", "--url", server.url], commandEnv({ TELEGRAM_SECRET_TOKEN: other })))
        .code,
    ).toBe(0);
    const u = sim.sendText(sim.user({ first_name: "Zé" }), sim.group("G"), "hi");
    await sim.idle();
    expect(sim.deliveries.filter((d) => d.update_id === u.update_id).map((d) => d.status)).toEqual([
      401, 401, 401,
    ]);
    const info = JSON.parse((await command(["get-webhook-info"])).stdout.trim().split("\n").at(-1)!).result;
    expect(info.last_error_message).toContain("401");
    expect(await keys(`telegram/context_date=${today()}/${u.update_id}`)).toEqual([]);
    const del = await command(["delete-webhook", "--drop-pending-updates"]);
    expect(del.code).toBe(0);
    expect(sim.webhookUrl).toBe("");
  });

  test("a rejected bot token fails with a clear line that never contains the token", async () => {
    const wrong = `${sim.token.split(":")[0]}:${randomUUID().replaceAll("-", "")}`;
    const r = await command(["get-webhook-info"], commandEnv({ TELEGRAM_BOT_TOKEN: wrong }));
    expect(r.code).toBe(1);
    expect(r.lastLine).toContain("Unauthorized");
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(r.stdout + r.stderr).not.toContain(wrong.split(":")[1]);
  });

  test("a missing secret token or bucket fails at start naming the variables", async () => {
    const r = await runApp(SERVER, baseEnv({ PORT: "0" }));
    expect(r.code).toBe(1);
    expect(r.lastLine).toContain("TELEGRAM_SECRET_TOKEN");
    expect(r.lastLine).toContain("RAW_BUCKET");
  });

  test("SIGTERM stops the server cleanly", async () => {
    await waitFor(() => server.output().includes("listening"));
    const extra = await startServerProcess(appEnv());
    expect(await extra.stop()).toBe(0);
  });
});
