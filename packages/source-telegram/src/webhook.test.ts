import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { createWebhookServer } from "./http-server.js";
import { lambdaHandler } from "./lambda.js";
import type { RawUpdateStore } from "./raw-store.js";
import { MAX_BODY_BYTES, secretMatches, telegramWebhook, type WebhookRequest } from "./webhook.js";

const secret = () => ["sec", randomUUID().replaceAll("-", "")].join("_");

function memoryStore(failing = false): RawUpdateStore & { objects: Map<string, Buffer>; puts: number } {
  const objects = new Map<string, Buffer>();
  const store = {
    objects,
    puts: 0,
    async put(key: string, body: Uint8Array) {
      store.puts++;
      if (failing) throw new Error("S3 is down");
      objects.set(key, Buffer.from(body));
    },
  };
  return store;
}

// 2026-01-02T02:30Z is still 1 Jan in São Paulo (23:30)
const clock = () => new Date("2026-01-02T02:30:00Z");
const body = (text: string) => Buffer.from(text, "utf8");
const UPDATE =
  '{"update_id":712345001,"message":{"message_id":1,"chat":{"id":-1001,"type":"group"},"date":1767236400,"text":"مرحبا 👋🏽 שלום"}}';

function setup(failing = false) {
  const token = secret();
  const store = memoryStore(failing);
  const webhook = telegramWebhook({ secretToken: token, store, now: clock });
  const req = (
    b: Buffer,
    headers: Record<string, string> = { "X-Telegram-Bot-Api-Secret-Token": token },
  ): WebhookRequest => ({
    method: "POST",
    headers,
    body: b,
  });
  return { token, store, webhook, req };
}

describe("telegramWebhook", () => {
  test("stores the body byte for byte under the received São Paulo day; 200 after the put", async () => {
    const { webhook, store, req } = setup();
    const r = await webhook.handle(req(body(UPDATE)));
    expect(r.status).toBe(200);
    expect([...store.objects.keys()]).toEqual(["telegram/context_date=2026-01-01/712345001.json"]);
    expect(store.objects.get("telegram/context_date=2026-01-01/712345001.json")?.toString("utf8")).toBe(
      UPDATE,
    );
  });

  test("a redelivery overwrites the same key", async () => {
    const { webhook, store, req } = setup();
    await webhook.handle(req(body(UPDATE)));
    await webhook.handle(req(body(UPDATE)));
    expect(store.puts).toBe(2);
    expect(store.objects.size).toBe(1);
  });

  test("wrong or missing secret → 401, invalid body → 400, too large → 413, GET → 405; nothing written", async () => {
    const { webhook, store, req, token } = setup();
    expect(
      (await webhook.handle(req(body(UPDATE), { "x-telegram-bot-api-secret-token": `${token}x` }))).status,
    ).toBe(401);
    expect((await webhook.handle(req(body(UPDATE), {}))).status).toBe(401);
    expect((await webhook.handle(req(body("{not json")))).status).toBe(400);
    expect((await webhook.handle(req(body('{"message":{}}')))).status).toBe(400);
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 32);
    expect((await webhook.handle(req(big))).status).toBe(413);
    expect((await webhook.handle({ ...req(body(UPDATE)), method: "GET" })).status).toBe(405);
    expect(store.puts).toBe(0);
  });

  test("a failing store answers 500 so Telegram delivers again", async () => {
    const { webhook, req } = setup(true);
    expect((await webhook.handle(req(body(UPDATE)))).status).toBe(500);
  });

  test("secretMatches compares whole values", () => {
    const s = secret();
    expect(secretMatches(s, s)).toBe(true);
    expect(secretMatches(s.slice(0, -1), s)).toBe(false);
    expect(secretMatches(undefined, s)).toBe(false);
  });
});

describe("lambdaHandler", () => {
  test("API Gateway v2 and Function URL events, base64 bodies, header case", async () => {
    const { webhook, store, token } = setup();
    const handler = lambdaHandler(webhook);
    const base = { version: "2.0", rawPath: "/", requestContext: { http: { method: "POST" } } };
    const b64 = await handler({
      ...base,
      headers: { "x-telegram-bot-api-secret-token": token },
      body: body(UPDATE).toString("base64"),
      isBase64Encoded: true,
    });
    expect(b64.statusCode).toBe(200);
    expect(store.objects.get("telegram/context_date=2026-01-01/712345001.json")?.toString("utf8")).toBe(
      UPDATE,
    );
    const wrong = await handler({
      ...base,
      headers: { "x-telegram-bot-api-secret-token": "nope" },
      body: UPDATE,
    });
    expect(wrong.statusCode).toBe(401);
    const bad = await handler({ ...base, headers: { "X-Telegram-Bot-Api-Secret-Token": token }, body: "[]" });
    expect(bad.statusCode).toBe(400);
    expect(store.puts).toBe(1);
  });
});

describe("createWebhookServer", () => {
  test("answers over HTTP, refuses bodies over 1 MiB with 413", async () => {
    const { webhook, store, token } = setup();
    const server = createWebhookServer(webhook);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const headers = { "x-telegram-bot-api-secret-token": token, "content-type": "application/json" };
      expect((await fetch(url, { method: "POST", headers, body: UPDATE })).status).toBe(200);
      expect(
        (await fetch(url, { method: "POST", headers, body: Buffer.alloc(MAX_BODY_BYTES + 10, 32) })).status,
      ).toBe(413);
      expect((await fetch(`${url}healthz`)).status).toBe(200);
      expect(store.puts).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
