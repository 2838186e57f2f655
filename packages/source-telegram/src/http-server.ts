import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "@sluice/core";
import { MAX_BODY_BYTES, type TelegramWebhook, type WebhookResponse } from "./webhook.js";

export interface WebhookServerOptions {
  /** Answer only this path (e.g. "/telegram"); default: any path. `GET /healthz` always answers 200. */
  path?: string;
  logger?: Logger;
}

/** Reads the body, or `undefined` as soon as it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function send(res: ServerResponse, r: WebhookResponse, close = false): void {
  res.writeHead(r.status, { ...r.headers, ...(close ? { connection: "close" } : {}) });
  res.end(r.body);
}

const text = (status: number, body: string): WebhookResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body,
});

/** A plain Node HTTP server around the webhook (not listening yet: call `listen`). */
export function createWebhookServer(webhook: TelegramWebhook, options: WebhookServerOptions = {}): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") return send(res, text(200, "ok"));
    if (options.path !== undefined && url.pathname !== options.path) return send(res, text(404, "not found"));
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    void (async () => {
      const body = await readBody(req, MAX_BODY_BYTES);
      // a refused body is not read further; the connection closes after the answer
      if (body === undefined) return send(res, text(413, "payload too large"), true);
      send(
        res,
        await webhook.handle({ method: req.method ?? "GET", headers: req.headers, body }, controller.signal),
      );
    })().catch((e: unknown) => {
      options.logger?.error({ err: e }, "webhook request failed");
      if (!res.headersSent) send(res, text(500, "internal error"));
      else res.destroy();
    });
  });
}
