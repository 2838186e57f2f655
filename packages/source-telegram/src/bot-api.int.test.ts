import { randomUUID } from "node:crypto";
import {
  AuthError,
  type Checkpoint,
  type JsonObject,
  RateLimitError,
  type ReadOptions,
  type SluiceError,
  silentLogger,
} from "@sluice/core";
import { startTelegramSimulator, type TelegramSimulator } from "@sluice/telegram-simulator";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { botApi, redactBotToken } from "./bot-api.js";
import { telegramPollingSource } from "./polling-source.js";

let sim: TelegramSimulator;
const waits: number[] = [];
const noSleep = async (ms: number) => {
  waits.push(ms);
};

beforeEach(async () => {
  sim = await startTelegramSimulator();
  waits.length = 0;
});
afterEach(async () => {
  await sim.close();
});

const api = () => botApi({ token: sim.token, baseUrl: sim.url, sleep: noSleep });

describe("botApi against the simulator", () => {
  test("setWebhook with secret_token, allowed_updates, drop_pending_updates; getWebhookInfo; deleteWebhook", async () => {
    const client = api();
    sim.sendText(sim.user({ first_name: "Ana" }), sim.group("G"), "pending before the webhook");
    expect(
      await client.setWebhook({
        url: "http://127.0.0.1:9/hook",
        secret_token: "s_1",
        allowed_updates: ["message"],
        drop_pending_updates: true,
      }),
    ).toBe(true);
    const info = await client.getWebhookInfo();
    expect(info).toMatchObject({
      url: "http://127.0.0.1:9/hook",
      pending_update_count: 0,
      allowed_updates: ["message"],
    });
    expect(await client.deleteWebhook()).toBe(true);
    expect((await client.getWebhookInfo()).url).toBe("");
  });

  test("429 waits retry_after seconds and retries; errors are typed and never carry the token", async () => {
    sim.rateLimit("getMe", 3, 2);
    expect((await api().getMe()).is_bot).toBe(true);
    expect(waits).toEqual([3000, 3000]);

    sim.rateLimit("getMe", 7, 10);
    const limited = await botApi({
      token: sim.token,
      baseUrl: sim.url,
      sleep: noSleep,
      maxRateLimitRetries: 1,
    })
      .getMe()
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(7000);

    const wrong = `${sim.token.split(":")[0]}:${randomUUID().replaceAll("-", "")}`;
    const auth = await botApi({ token: wrong, baseUrl: sim.url })
      .getMe()
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthError);
    expect(JSON.stringify({ m: (auth as Error).message, s: (auth as Error).stack })).not.toContain(
      wrong.split(":")[1],
    );

    const down = await botApi({ token: sim.token, baseUrl: "http://127.0.0.1:1", sleep: noSleep, retries: 1 })
      .getMe()
      .catch((e: unknown) => e);
    expect((down as SluiceError).code).toBe("transient");
    expect((down as Error).message).not.toContain(sim.token);
  });

  test("redactBotToken masks tokens in URLs", () => {
    const token = `123456789:${randomUUID().replaceAll("-", "")}`;
    expect(redactBotToken(`POST https://api.telegram.org/bot${token}/getMe failed`)).toBe(
      "POST https://api.telegram.org/bot[REDACTED]/getMe failed",
    );
  });
});

function readOptions(state?: Checkpoint): ReadOptions & { controller: AbortController } {
  const controller = new AbortController();
  const reporter = { call() {}, retry() {}, rateLimitWait() {}, warn() {}, setTotal() {} };
  return {
    syncMode: "incremental",
    state,
    signal: controller.signal,
    logger: silentLogger(),
    reporter,
    controller,
  };
}

describe("telegramPollingSource", () => {
  test("yields records then {offset}; polls again only after committed(); a restart from the checkpoint loses nothing", async () => {
    const group = sim.group("G");
    const ana = sim.user({ first_name: "Ana" });
    const first = [sim.sendText(ana, group, "1"), sim.sendText(ana, group, "2")];
    const source = telegramPollingSource({
      token: sim.token,
      baseUrl: sim.url,
      pollTimeoutSeconds: 1,
      limit: 100,
    });
    const ro = readOptions();
    const it = source.read("telegram_updates", ro)[Symbol.asyncIterator]();
    const records = (await it.next()).value;
    expect(records).toMatchObject({ kind: "records" });
    expect((records as { records: JsonObject[] }).records.map((r) => r.update_id)).toEqual(
      first.map((u) => u.update_id),
    );
    const checkpoint = (await it.next()).value as { kind: string; checkpoint: Checkpoint };
    expect(checkpoint).toEqual({ kind: "checkpoint", checkpoint: { offset: first[1]!.update_id + 1 } });

    // not committed yet: the generator waits, and Telegram still holds both updates
    const third = sim.sendText(ana, group, "3");
    const next = it.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.calls.filter((c) => c === "getupdates")).toHaveLength(1);
    // a crash now: a new source from the last committed state (none) re-reads everything
    const again = await api().getUpdates({ limit: 100 });
    expect(again.map((u) => u.update_id)).toEqual([...first, third].map((u) => u.update_id));

    await source.committed!("telegram_updates", checkpoint.checkpoint);
    const after = (await next).value as { records: JsonObject[] };
    expect(after.records.map((r) => r.update_id)).toEqual([third.update_id]);
    ro.controller.abort();
  });

  test("a webhook set for the bot: 409 explained", async () => {
    await api().setWebhook({ url: "http://127.0.0.1:9/hook", secret_token: "s_2" });
    const source = telegramPollingSource({ token: sim.token, baseUrl: sim.url, pollTimeoutSeconds: 0 });
    const it = source.read("telegram_updates", readOptions())[Symbol.asyncIterator]();
    const error = await it.next().catch((e: unknown) => e);
    expect((error as SluiceError).code).toBe("telegram_conflict");
    expect((error as Error).message).toMatch(/webhook is set.*delete-webhook/);
  });
});
