import { createHash, timingSafeEqual } from "node:crypto";
import {
  DataError,
  type Logger,
  parseOptions,
  registerSecret,
  SluiceError,
  silentLogger,
} from "@sluice/core";
import { z } from "zod";
import { assertTimeZone, dayIn, rawUpdateKey } from "./partition.js";
import type { RawUpdateStore } from "./raw-store.js";
import { parseUpdate } from "./update.js";

/** The header Telegram sends with every webhook delivery when `secret_token` is set. */
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** Bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** One HTTP request, whatever carried it (API Gateway, a Function URL, node:http). */
export interface WebhookRequest {
  method: string;
  /** Header names in any case; duplicates as arrays or comma-joined. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface TelegramWebhookOptions {
  /** The `secret_token` given to setWebhook (1-256 chars of A-Z a-z 0-9 _ -). */
  secretToken: string;
  store: RawUpdateStore;
  /** Key prefix of the raw objects. Default "telegram/". */
  prefix?: string;
  /** IANA zone of the day partition. Default "America/Sao_Paulo". */
  timeZone?: string;
  /** The clock (tests). */
  now?: () => Date;
  logger?: Logger;
}

export interface TelegramWebhook {
  handle(request: WebhookRequest, signal?: AbortSignal): Promise<WebhookResponse>;
}

const optionsSchema = z.object({
  secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "must be 1-256 characters of A-Z a-z 0-9 _ -"),
  store: z.custom<RawUpdateStore>(
    (v) => typeof (v as RawUpdateStore)?.put === "function",
    "must be a RawUpdateStore",
  ),
  prefix: z
    .string()
    .refine((p) => !p.startsWith("/"), 'must not start with "/"')
    .default("telegram/"),
  timeZone: z.string().default("America/Sao_Paulo"),
  now: z.custom<() => Date>((v) => typeof v === "function").optional(),
  logger: z.custom<Logger>().optional(),
});

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/** Constant-time comparison (over SHA-256 digests, so the length does not leak either). */
export function secretMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** The value of a header, matched case-insensitively; the first of duplicates. */
export function headerValue(headers: WebhookRequest["headers"], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name) continue;
    const first = Array.isArray(v) ? v[0] : v;
    return first?.split(",")[0]?.trim();
  }
  return undefined;
}

const reply = (status: number, body: object | string = ""): WebhookResponse => ({
  status,
  headers: { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/**
 * The Telegram webhook receiver. Wrong or missing secret → 401; body over 1 MiB → 413; not an
 * Update → 400 (nothing is written in those cases). Otherwise the body is stored byte for byte
 * at `${prefix}context_date=<day received, in timeZone>/<update_id>.json` and 200 is answered
 * only once the store has it durably; a store failure answers 500, so Telegram delivers again.
 */
export function telegramWebhook(options: TelegramWebhookOptions): TelegramWebhook {
  const opts = parseOptions(optionsSchema, options, "telegramWebhook options");
  registerSecret(opts.secretToken);
  assertTimeZone(opts.timeZone);
  const now = opts.now ?? (() => new Date());
  const logger = (opts.logger ?? silentLogger()).child({ component: "telegram-webhook" });

  return {
    async handle(request, signal) {
      if (request.method.toUpperCase() !== "POST") return reply(405, "method not allowed");
      if (!secretMatches(headerValue(request.headers, SECRET_HEADER), opts.secretToken)) {
        logger.warn({ status: 401 }, "webhook request refused: wrong or missing secret token");
        return reply(401, "unauthorized");
      }
      if (request.body.byteLength > MAX_BODY_BYTES) return reply(413, "payload too large");
      let updateId: string;
      try {
        updateId = String(parseUpdate(request.body, { key: "request body" }).update_id);
      } catch (e) {
        const reason = e instanceof DataError ? e.message : "invalid body";
        logger.warn({ status: 400, reason }, "webhook request refused: not a Telegram Update");
        return reply(400, reason);
      }
      const key = rawUpdateKey(opts.prefix, dayIn(now(), opts.timeZone), updateId);
      try {
        await opts.store.put(key, request.body, signal);
      } catch (e) {
        const err = e instanceof SluiceError ? e : new SluiceError("sink_failed", String(e), { cause: e });
        logger.error(
          { err, update_id: updateId, key },
          "could not store the update; Telegram will deliver it again",
        );
        return reply(500, "could not store the update");
      }
      logger.debug({ update_id: updateId, key, bytes: request.body.byteLength }, "update stored");
      return reply(200, {});
    },
  };
}
