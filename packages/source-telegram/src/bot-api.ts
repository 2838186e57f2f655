import {
  AuthError,
  ConfigError,
  sleep as coreSleep,
  isRetryable,
  parseOptions,
  RateLimitError,
  registerSecret,
  SluiceError,
  TransientError,
} from "@sluice/core";
import { z } from "zod";
import { parseJsonExact } from "./json.js";
import type { TelegramUpdate } from "./update.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface BotApiOptions {
  /** The bot token (`123456:ABC…`). A secret: registered for redaction, never logged. */
  token: string;
  /** Default https://api.telegram.org (a simulator or a local Bot API server in tests). */
  baseUrl?: string;
  /** Per request. Default 10 s (getUpdates adds its long-poll timeout). */
  timeoutMs?: number;
  /** 429s waited out (retry_after) per call before failing. Default 5. */
  maxRateLimitRetries?: number;
  /** Retries of network failures and 5xx. Default 3. */
  retries?: number;
  fetch?: FetchLike;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WebhookInfo {
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
  last_synchronization_error_date?: number;
  max_connections?: number;
  allowed_updates?: string[];
}

export interface SetWebhookParams {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  drop_pending_updates?: boolean;
  max_connections?: number;
}

export interface GetUpdatesParams {
  offset?: number;
  limit?: number;
  /** Long-poll seconds (0 = short poll). */
  timeout?: number;
  allowed_updates?: string[];
}

export interface BotApi {
  call<T>(method: string, params?: object, signal?: AbortSignal, extraTimeoutMs?: number): Promise<T>;
  getMe(signal?: AbortSignal): Promise<{ id: number; is_bot: boolean; username?: string }>;
  setWebhook(params: SetWebhookParams, signal?: AbortSignal): Promise<true>;
  deleteWebhook(params?: { drop_pending_updates?: boolean }, signal?: AbortSignal): Promise<true>;
  getWebhookInfo(signal?: AbortSignal): Promise<WebhookInfo>;
  getUpdates(params: GetUpdatesParams, signal?: AbortSignal): Promise<TelegramUpdate[]>;
}

/** A bot token anywhere in a text (URL paths carry it: `/bot123:ABC/getMe`). */
const TOKEN_PATTERN = /\d{3,}:[A-Za-z0-9_-]{20,}/g;

/** Masks bot tokens in a text (also done by core's redaction once the token is registered). */
export function redactBotToken(text: string): string {
  return text.replace(TOKEN_PATTERN, "[REDACTED]");
}

const optionsSchema = z.object({
  token: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF… (the token BotFather gave)"),
  baseUrl: z.url().default("https://api.telegram.org"),
  timeoutMs: z.number().int().min(1).default(10_000),
  maxRateLimitRetries: z.number().int().min(0).default(5),
  retries: z.number().int().min(0).default(3),
  fetch: z.custom<FetchLike>((v) => typeof v === "function").optional(),
  sleep: z
    .custom<(ms: number, signal?: AbortSignal) => Promise<void>>((v) => typeof v === "function")
    .optional(),
});

/** The Bot API's response body: `ok`, then `result` or `error_code`/`description`/`parameters`. */
export interface BotApiEnvelope {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

const CONFLICT_HELP: Array<[RegExp, string]> = [
  [
    /webhook/i,
    "a webhook is set for this bot, and Telegram refuses getUpdates while it is; remove it first (the delete-webhook command, or deleteWebhook) or receive updates with the webhook instead",
  ],
  [
    /other getUpdates/i,
    "another process is polling this bot; only one getUpdates consumer may run at a time",
  ],
];

/** The typed error for a Bot API failure envelope (token never included). */
export function botApiError(method: string, status: number, body: BotApiEnvelope): SluiceError {
  const code = body.error_code ?? status;
  const description = redactBotToken(body.description ?? `HTTP ${status}`);
  const what = `Telegram Bot API ${method}: ${code} ${description}`;
  if (code === 401)
    return new AuthError(`${what}: the bot token was rejected (wrong or revoked); check the token`);
  if (code === 404)
    return new ConfigError("Telegram Bot API", [
      { field: "token", message: `${what}: malformed token or unknown method` },
    ]);
  if (code === 409) {
    const help =
      CONFLICT_HELP.find(([re]) => re.test(description))?.[1] ?? "another consumer holds this bot's updates";
    return new SluiceError("telegram_conflict", `${what}: ${help}`, { details: { error_code: code } });
  }
  if (code === 429) return new RateLimitError(what, (body.parameters?.retry_after ?? 1) * 1000);
  if (code >= 500) return new TransientError(what);
  return new SluiceError("telegram_api_error", what, { details: { error_code: code } });
}

/** A Bot API client: JSON POSTs to `${baseUrl}/bot<token>/<method>`, 429s waited out, 5xx retried. */
export function botApi(options: BotApiOptions): BotApi {
  const opts = parseOptions(optionsSchema, options, "botApi options");
  registerSecret(opts.token);
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => coreSleep(ms, signal));

  async function once<T>(method: string, params: object, signal?: AbortSignal, extraMs = 0): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs + extraMs);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}/bot${opts.token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (e) {
      if (signal?.aborted)
        throw new SluiceError("cancelled", `Telegram Bot API ${method}: cancelled`, { cause: e });
      const reason = (e as { cause?: { code?: string } })?.cause?.code ?? (e as Error)?.name ?? "error";
      throw new TransientError(`Telegram Bot API ${method}: network failure (${reason})`, { cause: e });
    }
    let body: BotApiEnvelope;
    try {
      body = parseJsonExact(text) as BotApiEnvelope;
    } catch {
      throw new TransientError(
        `Telegram Bot API ${method}: HTTP ${response.status} with a body that is not JSON`,
      );
    }
    if (!response.ok || body.ok !== true) throw botApiError(method, response.status, body);
    return body.result as T;
  }

  async function call<T>(method: string, params: object = {}, signal?: AbortSignal, extraMs = 0): Promise<T> {
    let limited = 0;
    let failed = 0;
    for (;;) {
      try {
        return await once<T>(method, params, signal, extraMs);
      } catch (e) {
        if (e instanceof RateLimitError && limited++ < opts.maxRateLimitRetries)
          await sleep(e.retryAfterMs, signal);
        else if (!(e instanceof RateLimitError) && isRetryable(e) && failed++ < opts.retries)
          await sleep(Math.min(500 * 2 ** failed, 10_000), signal);
        else throw e;
      }
    }
  }

  return {
    call,
    getMe: (signal) => call("getMe", {}, signal),
    setWebhook: (params, signal) => {
      if (params.secret_token) registerSecret(params.secret_token);
      return call("setWebhook", params, signal);
    },
    deleteWebhook: (params = {}, signal) => call("deleteWebhook", params, signal),
    getWebhookInfo: (signal) => call("getWebhookInfo", {}, signal),
    getUpdates: (params, signal) => call("getUpdates", params, signal, (params.timeout ?? 0) * 1000),
  };
}
