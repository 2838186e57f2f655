import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startTelegramSimulator, type TelegramSimulator } from "./simulator.js";

let sim: TelegramSimulator;
beforeEach(async () => {
  sim = await startTelegramSimulator({ delivery: { retryDelayMs: 5, maxAttempts: 3 } });
});
afterEach(async () => {
  await sim.close();
});

const call = async (method: string, body: object = {}, token = sim.token) => {
  const r = await fetch(`${sim.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    body: (await r.json()) as { ok: boolean; result?: unknown; description?: string; parameters?: unknown },
  };
};

describe("telegram simulator", () => {
  test("token checks: malformed → 404, wrong → 401", async () => {
    expect((await call("getMe", {}, "nope")).status).toBe(404);
    expect((await call("getMe", {}, `${sim.token}x`)).status).toBe(401);
    expect(((await call("getMe")).body.result as { is_bot: boolean }).is_bot).toBe(true);
  });

  test("getUpdates: offset confirms earlier updates, limit, long poll wakes on a new message", async () => {
    const g = sim.group("G");
    const u = sim.user({ first_name: "Ana" });
    const a = sim.sendText(u, g, "a");
    const b = sim.sendPhoto(u, g, "caption");
    expect((await call("getUpdates", { limit: 1 })).body.result).toEqual([a]);
    expect((await call("getUpdates", { offset: b.update_id })).body.result).toEqual([b]);
    expect((await call("getUpdates")).body.result).toEqual([b]); // a was confirmed
    const waiting = call("getUpdates", { offset: b.update_id + 1, timeout: 5 });
    await new Promise((r) => setTimeout(r, 50));
    const c = sim.sendSticker(u, g, "🔥");
    expect((await waiting).body.result).toEqual([c]);
    expect((c.message as { sticker: { emoji: string } }).sticker.emoji).toBe("🔥");
  });

  test("429 with retry_after; 409 for getUpdates while a webhook is set", async () => {
    sim.rateLimit("getUpdates", 2);
    const limited = await call("getUpdates");
    expect([limited.status, limited.body.parameters]).toEqual([429, { retry_after: 2 }]);
    await call("setWebhook", { url: "http://127.0.0.1:9/x", secret_token: "abc" });
    const conflict = await call("getUpdates");
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toContain("webhook is active");
  });

  test("webhook delivery sends the secret header, retries non-2xx, records the last error", async () => {
    const seen: Array<{ secret: string | undefined; id: number }> = [];
    let fail = 2;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        seen.push({
          secret: req.headers["x-telegram-bot-api-secret-token"] as string,
          id: JSON.parse(body).update_id,
        });
        res.writeHead(fail-- > 0 ? 503 : 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      expect((await call("setWebhook", { url, secret_token: "s3cr3t_x" })).body.result).toBe(true);
      const u = sim.channelPost(sim.group("Canal", "channel"), "aviso");
      await sim.idle();
      expect(seen).toEqual([1, 2, 3].map(() => ({ secret: "s3cr3t_x", id: u.update_id })));
      expect(sim.deliveries.map((d) => d.status)).toEqual([503, 503, 200]);
      expect(
        ((await call("getWebhookInfo")).body.result as { last_error_message: string }).last_error_message,
      ).toContain("503");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
