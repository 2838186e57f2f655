import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type DeliveryAttempt,
  type DeliveryOptions,
  type WebhookConfig,
  WebhookDeliverer,
} from "./delivery.js";
import { type MessageOptions, type SimChat, type SimUpdate, type SimUser, World } from "./world.js";

export interface SimulatorOptions {
  /** The bot token; default: a random one (`<digits>:<32 chars>`). */
  token?: string;
  /** update_id of the first update. Default 712345001. */
  firstUpdateId?: number;
  /** Clock of message dates and error dates. Default: the real clock. */
  now?: () => Date;
  delivery?: Partial<DeliveryOptions>;
}

/** Types only sent when listed in allowed_updates (Telegram's default excludes them). */
const OPT_IN_TYPES = new Set(["message_reaction", "message_reaction_count", "chat_member"]);

type Params = Record<string, unknown>;
type Envelope = { status: number; body: object };

const ok = (result: unknown): Envelope => ({ status: 200, body: { ok: true, result } });
const fail = (status: number, description: string, parameters?: object): Envelope => ({
  status,
  body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
});

/**
 * A local Telegram Bot API: `POST|GET {url}/bot<token>/<method>` for getMe, setWebhook,
 * deleteWebhook, getWebhookInfo and getUpdates (long poll, offset confirmation), webhook
 * delivery with the secret header and retries on non-2xx, and injected failures (429 with
 * retry_after, 5xx). Messages are produced through the methods of the returned object.
 */
export class TelegramSimulator {
  readonly token: string;
  readonly world: World;
  /** Every update produced, in order. */
  readonly updates: SimUpdate[] = [];
  url = "";
  private readonly server: Server;
  private readonly now: () => Date;
  private pending: SimUpdate[] = [];
  private webhook: WebhookConfig | undefined;
  private deliverer: WebhookDeliverer | undefined;
  private readonly deliveryOptions: DeliveryOptions;
  private readonly failures = new Map<string, Envelope[]>();
  private pollers: Array<() => void> = [];
  readonly calls: string[] = [];

  constructor(options: SimulatorOptions = {}) {
    this.token =
      options.token ??
      `${7_000_000_000 + randomBytes(3).readUIntBE(0, 3)}:${randomBytes(24).toString("base64url")}`;
    this.now = options.now ?? (() => new Date());
    this.world = new World(options.firstUpdateId ?? 712_345_001, this.now);
    this.deliveryOptions = { maxAttempts: 5, retryDelayMs: 50, timeoutMs: 10_000, ...options.delivery };
    this.server = createServer((req, res) => void this.route(req, res));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.deliverer?.stop();
    for (const p of this.pollers.splice(0)) p();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- the world -----------------------------------------------------------------------
  user(fields: Partial<SimUser> & { first_name: string }): SimUser {
    return this.world.user(fields);
  }
  group(title: string, type: SimChat["type"] = "supergroup"): SimChat {
    return this.world.chat(title, type);
  }
  sendText(from: SimUser, chat: SimChat, text: string, o?: MessageOptions): SimUpdate {
    return this.emit("message", this.world.message(from, chat, this.world.text(text), o));
  }
  sendPhoto(from: SimUser, chat: SimChat, caption?: string, o?: MessageOptions): SimUpdate {
    return this.emit("message", this.world.message(from, chat, this.world.photo(caption), o));
  }
  sendSticker(from: SimUser, chat: SimChat, emoji: string, o?: MessageOptions): SimUpdate {
    return this.emit("message", this.world.message(from, chat, this.world.sticker(emoji), o));
  }
  /** Edits the message of an earlier `message` or `channel_post` update. */
  editText(original: SimUpdate, text: string, o?: MessageOptions): SimUpdate {
    const isPost = original.channel_post !== undefined;
    const message = (original.message ?? original.channel_post) as Record<string, unknown>;
    return this.emit(
      isPost ? "edited_channel_post" : "edited_message",
      this.world.edit(message, this.world.text(text), o),
    );
  }
  channelPost(channel: SimChat, text: string, o?: MessageOptions): SimUpdate {
    return this.emit("channel_post", this.world.message(undefined, channel, this.world.text(text), o));
  }
  /** Any update field (`callback_query`, `message_reaction`...) with a payload. */
  emit(field: string, payload: unknown): SimUpdate {
    const update = this.world.update(field, payload);
    this.updates.push(update);
    this.routeUpdate(update);
    return update;
  }

  // --- faults and observation ----------------------------------------------------------
  /** The next `times` calls of `method` answer 429 with `retry_after`. */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    const list = this.failures.get(method.toLowerCase()) ?? [];
    for (let i = 0; i < times; i++)
      list.push(
        fail(429, `Too Many Requests: retry after ${retryAfterSeconds}`, { retry_after: retryAfterSeconds }),
      );
    this.failures.set(method.toLowerCase(), list);
  }
  /** The next call of `method` answers `status` with `description`. */
  failNext(method: string, status: number, description: string): void {
    const list = this.failures.get(method.toLowerCase()) ?? [];
    list.push(fail(status, description));
    this.failures.set(method.toLowerCase(), list);
  }
  /** Webhook attempts so far (update id, attempt number, HTTP status; 0 = no answer). */
  get deliveries(): DeliveryAttempt[] {
    return this.deliverer?.attempts ?? [];
  }
  /** Resolves when no webhook delivery is queued, in flight or waiting to retry. */
  async idle(): Promise<void> {
    await this.deliverer?.idle();
  }
  get webhookUrl(): string {
    return this.webhook?.url ?? "";
  }

  private routeUpdate(update: SimUpdate): void {
    if (this.webhook && this.deliverer) {
      const field = Object.keys(update).find((k) => k !== "update_id") ?? "";
      const allowed = this.webhook.allowedUpdates;
      const wanted = allowed && allowed.length > 0 ? allowed.includes(field) : !OPT_IN_TYPES.has(field);
      if (wanted) this.deliverer.enqueue(update);
      return;
    }
    this.pending.push(update);
    for (const p of this.pollers.splice(0)) p();
  }

  // --- the Bot API ---------------------------------------------------------------------
  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let reply: Envelope;
    if (!match || !/^\d+:[A-Za-z0-9_-]+$/.test(match[1] ?? "")) reply = fail(404, "Not Found");
    else if (match[1] !== this.token) reply = fail(401, "Unauthorized");
    else {
      const method = (match[2] ?? "").toLowerCase();
      this.calls.push(method);
      const injected = this.failures.get(method)?.shift();
      reply = injected ?? (await this.dispatch(method, await readParams(req, url)));
    }
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(JSON.stringify(reply.body));
  }

  private async dispatch(method: string, p: Params): Promise<Envelope> {
    switch (method) {
      case "getme":
        return ok({
          id: Number(this.token.split(":")[0]),
          is_bot: true,
          first_name: "Sluice Sim",
          username: "sluice_sim_bot",
        });
      case "setwebhook":
        return this.setWebhook(p);
      case "deletewebhook":
        return this.deleteWebhook(p);
      case "getwebhookinfo":
        return ok(this.webhookInfo());
      case "getupdates":
        return this.getUpdates(p);
      default:
        return fail(404, "Not Found: method not found");
    }
  }

  private setWebhook(p: Params): Envelope {
    const url = String(p.url ?? "");
    if (url === "") return this.deleteWebhook(p);
    const secret = p.secret_token === undefined ? undefined : String(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret))
      return fail(400, "Bad Request: secret token contains unallowed characters");
    if (!/^https?:\/\//.test(url))
      return fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    const maxConnections = Number(p.max_connections ?? 40);
    const allowed = parseList(p.allowed_updates) ?? this.webhook?.allowedUpdates;
    this.webhook = {
      url,
      maxConnections,
      ...(secret ? { secretToken: secret } : {}),
      ...(allowed ? { allowedUpdates: allowed } : {}),
    };
    if (truthy(p.drop_pending_updates)) this.pending = [];
    if (this.deliverer) this.deliverer.reconfigure(this.webhook);
    else this.deliverer = new WebhookDeliverer(this.webhook, this.deliveryOptions, this.now);
    for (const u of this.pending.splice(0)) this.routeUpdate(u);
    return ok(true);
  }

  private deleteWebhook(p: Params): Envelope {
    const queued = this.deliverer?.takeQueued() ?? [];
    this.deliverer?.stop();
    this.deliverer = undefined;
    this.webhook = undefined;
    this.pending = truthy(p.drop_pending_updates) ? [] : [...queued, ...this.pending];
    return ok(true);
  }

  private webhookInfo(): object {
    const w = this.webhook;
    const last = this.deliverer?.lastError;
    return {
      url: w?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: w ? (this.deliverer?.pending ?? 0) : this.pending.length,
      ...(w ? { max_connections: w.maxConnections } : {}),
      ...(w?.allowedUpdates ? { allowed_updates: w.allowedUpdates } : {}),
      ...(last ? { last_error_date: last.date, last_error_message: last.message } : {}),
    };
  }

  private async getUpdates(p: Params): Promise<Envelope> {
    if (this.webhook)
      return fail(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(Math.max(Number(p.limit ?? 100), 1), 100);
    const timeout = Number(p.timeout ?? 0);
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset); // confirmed
    if (this.pending.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeout * 1000);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.pollers.push(done);
      });
    }
    return ok(this.pending.slice(0, limit));
  }
}

async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return params;
  if ((req.headers["content-type"] ?? "").includes("application/json"))
    return { ...params, ...(JSON.parse(text) as Params) };
  return { ...params, ...Object.fromEntries(new URLSearchParams(text)) };
}

function parseList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(String);
  try {
    const parsed: unknown = JSON.parse(String(v));
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
  } catch {
    return undefined;
  }
}

const truthy = (v: unknown) => v === true || v === "true" || v === "1";

/** Starts a simulator on 127.0.0.1 with an ephemeral port. */
export function startTelegramSimulator(options: SimulatorOptions = {}): Promise<TelegramSimulator> {
  return new TelegramSimulator(options).listen();
}
