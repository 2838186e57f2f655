/**
 * The HTTP side of the simulator: auth, version, Accept, rate limits, faults, latency and the
 * Intercom 2.16 routes. Section numbers (§n) refer to docs/intercom-api-notes.md.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { contactAdapter, conversationAdapter } from "./adapters.js";
import { type Fault, KNOWN_VERSIONS, type ResolvedOptions } from "./options.js";
import { adminObjectRoutes } from "./routes/admin-objects.js";
import { errorBody, type Handler, Pager, type Reply } from "./routes/common.js";
import { companyRoutes } from "./routes/companies.js";
import { contactRoutes } from "./routes/contacts.js";
import { conversationRoutes } from "./routes/conversations.js";
import { ApiError, type SearchAdapter } from "./search.js";
import type { Workspace } from "./workspace.js";

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  status: Record<number, number>;
  throttled429: number;
  injected: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  key: string;
  handler: Handler;
}

export class SimulatorServer {
  private readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly tokens: Set<string>;
  private readonly contactSearch: SearchAdapter;
  private readonly contactList: SearchAdapter;
  private readonly conversationSearch: SearchAdapter;
  private faults: (Exclude<Fault, { kind: "scroll_restart" }> & { remaining: number })[] = [];
  private scrollRestart: { afterPages: number } | null = null;
  private window = { id: -1, count: 0 };
  private readonly sockets = new Set<import("node:net").Socket>();
  stats: SimulatorStats = SimulatorServer.emptyStats();

  constructor(
    readonly ws: Workspace,
    readonly opts: ResolvedOptions,
  ) {
    this.tokens = new Set(Array.isArray(opts.token) ? opts.token : [opts.token]);
    this.contactSearch = contactAdapter(ws, { indexDelaySeconds: opts.searchIndexDelaySeconds });
    this.contactList = contactAdapter(ws, { indexDelaySeconds: 0, forList: true });
    this.conversationSearch = conversationAdapter(ws);
    this.registerRoutes();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify(errorBody("server_error", String(err))));
        } else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static emptyStats(): SimulatorStats {
    return { requests: 0, byRoute: {}, status: {}, throttled429: 0, injected: 0 };
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.opts.host}:${port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  injectFaults(faults: Fault[]): void {
    for (const f of faults) {
      if (f.kind === "scroll_restart") this.scrollRestart = { afterPages: f.afterPages };
      else this.faults.push({ ...f, remaining: f.count });
    }
  }

  clearFaults(): void {
    this.faults = [];
    this.scrollRestart = null;
  }

  // ---------------------------------------------------------------- request pipeline

  private match(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const matched = this.match(method, path);
    const routeKey = matched?.route.key ?? "unmatched";
    this.stats.requests++;
    this.stats.byRoute[routeKey] = (this.stats.byRoute[routeKey] ?? 0) + 1;
    const rawBody = method === "POST" || method === "PUT" ? await readBody(req) : "";

    let reply: Reply;
    let mode: "normal" | "reset" | "truncated" = "normal";
    const auth = req.headers.authorization ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (!token || !this.tokens.has(token)) {
      // §4, §6: 401 "Access Token Invalid", and no rate-limit headers without valid credentials.
      reply = { status: 401, body: errorBody("unauthorized", "Access Token Invalid") };
    } else {
      const rl = this.countRequest();
      reply = this.authenticated(req, url, matched, rawBody, rl.exceeded);
      const fault = reply.status === 429 ? undefined : this.takeFault(routeKey);
      if (fault) {
        this.stats.injected++;
        if (fault.kind === "status") {
          const code =
            fault.status === 500
              ? "server_error"
              : fault.status >= 500
                ? "service_unavailable"
                : "client_error";
          reply = { status: fault.status, body: errorBody(code, `Injected ${fault.status}`) };
        } else if (fault.kind === "rate_limit") {
          // A 429 from the workspace-wide pool while this app's Remaining looks healthy (§6).
          reply = this.rateLimitReply();
        } else if (fault.kind === "reset") mode = "reset";
        else if (fault.kind === "truncated") mode = "truncated";
      }
      if (reply.status === 429) this.stats.throttled429++;
      reply.headers = { ...rl.headers, ...(reply.headers ?? {}) };
    }

    const delay =
      this.opts.latencyMs + (this.opts.latencyJitterMs > 0 ? Math.random() * this.opts.latencyJitterMs : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    this.stats.status[reply.status] = (this.stats.status[reply.status] ?? 0) + 1;
    const payload = Buffer.from(JSON.stringify(reply.body), "utf8");
    const headers: Record<string, string | number> = {
      "content-type": "application/json; charset=utf-8",
      "x-request-id": randomUUID(),
      ...(reply.headers ?? {}),
    };
    if (mode === "truncated") {
      // Half the JSON, then a clean end of a chunked body: the client sees a 200 with broken JSON.
      res.writeHead(reply.status, headers);
      res.end(payload.subarray(0, Math.floor(payload.length / 2)));
      return;
    }
    headers["content-length"] = payload.length;
    res.writeHead(reply.status, headers);
    if (mode === "reset") {
      // Promise the whole body, send half, then destroy the socket: a connection reset mid-response.
      res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(payload);
  }

  private authenticated(
    req: IncomingMessage,
    url: URL,
    matched: { route: Route; params: string[] } | undefined,
    rawBody: string,
    rateLimited: boolean,
  ): Reply {
    if (rateLimited) return this.rateLimitReply();
    // §1: a missing/unsupported Accept returns 406.
    // A media range that admits JSON (application/json, application/*, */*) is fine: the
    // official SDK sends `*/*` and the real API answers it.
    const accept = req.headers.accept ?? "";
    if (!/(^|[\s,])(application\/json|application\/\*|\*\/\*)(\s*;[^,]*)?(\s*,|\s*$)/i.test(accept)) {
      return { status: 406, body: errorBody("not_acceptable", "Accept header must be application/json") };
    }
    const versionHeader = req.headers["intercom-version"];
    const versionText = (Array.isArray(versionHeader) ? versionHeader[0] : versionHeader)?.trim() ?? "2.16";
    if (!(KNOWN_VERSIONS as readonly string[]).includes(versionText)) {
      return {
        status: 400,
        body: errorBody(
          "intercom_version_invalid",
          `Intercom-Version header value '${versionText}' is not valid`,
        ),
      };
    }
    const [major, minor] = versionText.split(".").map(Number);
    if (!matched) {
      // Unknown route or wrong method → 404 not_found (§7).
      return { status: 404, body: errorBody("not_found", "Resource Not Found") };
    }
    let body: unknown;
    if (rawBody.trim().length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return { status: 400, body: errorBody("bad_request", "Invalid JSON in request body") };
      }
    }
    try {
      return matched.route.handler({
        req,
        url,
        params: matched.params,
        body,
        version: [major ?? 2, minor ?? 16],
      });
    } catch (err) {
      if (err instanceof ApiError)
        return { status: err.status, body: errorBody(err.code, err.message), headers: err.headers };
      throw err;
    }
  }

  /** Fixed windows aligned to the epoch (§6): reset = next multiple of windowSeconds, in epoch seconds. */
  private countRequest(): { exceeded: boolean; headers: Record<string, string> } {
    const rl = this.opts.rateLimit;
    if (rl === false) return { exceeded: false, headers: {} };
    const nowMs = this.opts.clock();
    const windowId = Math.floor(nowMs / (rl.windowSeconds * 1000));
    if (windowId !== this.window.id) this.window = { id: windowId, count: 0 };
    // Every authenticated request counts, including the ones answered 429 (documented choice:
    // the counter is incremented before the check, so Remaining stays 0 until the window resets).
    this.window.count++;
    const exceeded = this.window.count > rl.limit;
    return {
      exceeded,
      headers: {
        "X-RateLimit-Limit": String(rl.limit),
        "X-RateLimit-Remaining": String(Math.max(0, rl.limit - this.window.count)),
        "X-RateLimit-Reset": String((windowId + 1) * rl.windowSeconds),
      },
    };
  }

  private rateLimitReply(): Reply {
    const rl = this.opts.rateLimit;
    const limit = rl === false ? 1666 : rl.limit;
    const seconds = rl === false ? 10 : rl.windowSeconds;
    return {
      status: 429,
      body: errorBody("rate_limit_exceeded", `Exceeded rate limit of ${limit} in ${seconds}_seconds`),
    };
  }

  private takeFault(routeKey: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.route === undefined || f.route === routeKey);
    if (i < 0) return undefined;
    const f = this.faults[i] as Exclude<Fault, { kind: "scroll_restart" }> & { remaining: number };
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }

  // ---------------------------------------------------------------- routes

  private route(method: string, template: string, handler: Handler): void {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`);
    this.routes.push({ method, pattern, key: `${method} ${template}`, handler });
  }

  private registerRoutes(): void {
    const pager = new Pager(this.ws);
    const groups = [
      adminObjectRoutes(this.ws),
      contactRoutes(this.ws, pager, { contactSearch: this.contactSearch, contactList: this.contactList }),
      companyRoutes(this.ws, this.opts, {
        scrollRestartDue: (pagesServed) => {
          if (!this.scrollRestart || pagesServed < this.scrollRestart.afterPages) return false;
          this.scrollRestart = null;
          this.stats.injected++;
          return true;
        },
      }),
      conversationRoutes(this.ws, this.opts, pager, this.conversationSearch),
    ];
    for (const { method, template, handler } of groups.flat()) this.route(method, template, handler);
  }

  // ---------------------------------------------------------------- route helpers
}

// ------------------------------------------------------------------ small helpers

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
