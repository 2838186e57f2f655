/**
 * The HTTP side of the simulator: auth, version, Accept, rate limits, faults, latency and the
 * Intercom 2.16 routes. Section numbers (§n) refer to docs/intercom-api-notes.md.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { contactAdapter, conversationAdapter } from "./adapters.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { type Fault, KNOWN_VERSIONS, type ResolvedOptions } from "./options.js";
import {
  ApiError,
  buildResultSet,
  compileQuery,
  parseSort,
  positionAfter,
  ResultCache,
  type ResultSet,
  type SearchAdapter,
  type SortSpec,
} from "./search.js";
import type { Json, JsonObject, Workspace } from "./workspace.js";

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  status: Record<number, number>;
  throttled429: number;
  injected: number;
}

interface Reply {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: string[];
  body: unknown;
  /** Parsed Intercom-Version as [major, minor]. */
  version: [number, number];
}

type Handler = (ctx: Ctx) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  key: string;
  handler: Handler;
}

interface ScrollState {
  param: string;
  snapshot: number[];
  pos: number;
  lastUsedMs: number;
  pagesServed: number;
}

const SCROLL_RESTART_MESSAGE =
  "Request failed due to an internal network error. Please restart the scroll operation.";
const BAD_CURSOR_MESSAGE =
  "Invalid starting_after param. Please try again using a starting_after value from a paginated response";

function errorBody(code: string, message: string | null): JsonObject {
  // Error envelope, §7 (schema `error`).
  return { type: "error.list", request_id: randomUUID(), errors: [{ code, message }] };
}

function atLeast(v: [number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

export class SimulatorServer {
  private readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly tokens: Set<string>;
  private readonly cache = new ResultCache(32);
  private readonly contactSearch: SearchAdapter;
  private readonly contactList: SearchAdapter;
  private readonly conversationSearch: SearchAdapter;
  private faults: (Exclude<Fault, { kind: "scroll_restart" }> & { remaining: number })[] = [];
  private scroll: ScrollState | null = null;
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
    const ws = this.ws;
    this.route("GET", "/me", () => {
      const admin = ws.objects.admins[0] as JsonObject;
      return {
        status: 200,
        body: {
          type: "admin",
          id: admin.id as string,
          email: admin.email as string,
          name: admin.name as string,
          email_verified: true,
          app: {
            type: "app",
            id_code: ws.appId,
            name: "Sluice Simulated Workspace",
            created_at: ws.now - 1000 * 86_400,
            secure: false,
            identity_verification: false,
            timezone: ws.timezone,
            region: "US",
          },
          avatar: { type: "avatar", image_url: admin.avatar as string },
          has_inbox_seat: admin.has_inbox_seat as boolean,
        },
      };
    });
    // §4.3, §4.5, §4.6, §4.7, §4.9: unpaginated lists.
    this.route("GET", "/admins", () => ({
      status: 200,
      body: { type: "admin.list", admins: ws.objects.admins },
    }));
    this.route("GET", "/admins/{id}", ({ params }) =>
      one(
        ws.objects.admins.find((a) => a.id === params[0]),
        "admin_not_found",
      ),
    );
    this.route("GET", "/teams", () => ({
      status: 200,
      body: { type: "team.list", teams: ws.objects.teams },
    }));
    this.route("GET", "/teams/{id}", ({ params }) =>
      one(
        ws.objects.teams.find((t) => t.id === params[0]),
        "team_not_found",
      ),
    );
    this.route("GET", "/tags", () => ({ status: 200, body: { type: "list", data: ws.objects.tags } }));
    this.route("GET", "/segments", ({ url }) => {
      const withCount = url.searchParams.get("include_count") === "true";
      const segments = ws.objects.segments.map((s, i) =>
        withCount ? { ...s, count: this.segmentCount(i) } : s,
      );
      return { status: 200, body: { type: "segment.list", segments } };
    });
    this.route("GET", "/data_attributes", ({ url, version }) => {
      const model = url.searchParams.get("model");
      const includeArchived = url.searchParams.get("include_archived") === "true";
      if (model === "conversation" && atLeast(version, 2, 16)) {
        return {
          status: 422,
          body: errorBody(
            "parameter_invalid",
            "model=conversation is no longer supported. Use GET /conversations/attributes instead",
          ),
        };
      }
      if (model !== null && !["contact", "company", "conversation"].includes(model)) {
        throw new ApiError(400, "parameter_invalid", `model must be one of contact, company`);
      }
      let data: JsonObject[] =
        model === "contact"
          ? ws.objects.dataAttributes.contact
          : model === "company"
            ? ws.objects.dataAttributes.company
            : model === "conversation"
              ? []
              : [...ws.objects.dataAttributes.contact, ...ws.objects.dataAttributes.company];
      if (!includeArchived) data = data.filter((a) => a.archived !== true);
      return { status: 200, body: { type: "list", data } };
    });
    this.route("GET", "/conversations/attributes", () => ({
      status: 200,
      body: { type: "list", data: ws.objects.conversationAttributes },
    }));

    // §4.1 contacts.
    this.route("GET", "/contacts", ({ url }) => {
      const page = this.listPage("contacts", this.contactList, url, {
        sort: { field: "created_at", order: "descending" },
        perPage: 10,
      });
      return {
        status: 200,
        body: {
          type: "list",
          data: page.indices.map((i) => ws.contacts.contact(i)),
          total_count: page.total,
          pages: page.pages,
        },
      };
    });
    this.route("POST", "/contacts/search", ({ body }) => {
      // The query string's starting_after is ignored: only the body's pagination counts (§3).
      const page = this.searchPage("contacts", this.contactSearch, body, {
        sort: { field: "created_at", order: "descending" },
        perPage: 50,
      });
      return {
        status: 200,
        body: {
          type: "list",
          data: page.indices.map((i) => ws.contacts.contact(i)),
          total_count: page.total,
          pages: page.pages,
        },
      };
    });
    for (const sub of ["tags", "companies", "notes", "segments"] as const) {
      this.route("GET", `/contacts/{id}/${sub}`, ({ params }) => {
        const idx = this.contactIndex(params[0] ?? "");
        return { status: 200, body: this.contactSubList(idx, sub) };
      });
    }
    this.route("GET", "/contacts/find_by_external_id/{external_id}", ({ params }) => {
      for (let i = 0; i < ws.contacts.ids.length; i++) {
        if (ws.contacts.isLive(i) && ws.contacts.externalId(i) === params[0])
          return { status: 200, body: ws.contacts.contact(i) };
      }
      throw new ApiError(404, "not_found", "User Not Found");
    });
    this.route("GET", "/contacts/{id}", ({ params, version }) => {
      const idx = ws.contacts.indexById.get(params[0] ?? "");
      if (
        idx === undefined ||
        ws.contacts.isDeleted(idx) ||
        ws.contacts.isDeleted(ws.contacts.canonical(idx))
      )
        throw new ApiError(404, "not_found", "User Not Found");
      if (!ws.contacts.isLive(idx)) {
        if (!atLeast(version, 2, 16)) throw new ApiError(404, "not_found", "User Not Found");
        // §4.1 / §1.1: 410 Gone + Link to the canonical contact (2.16).
        const canonical = ws.contacts.ids[ws.contacts.canonical(idx)] as string;
        throw new ApiError(
          410,
          "contact_merged",
          "This contact has been merged. See the 'Link' header for the canonical contact.",
          { Link: `</contacts/${canonical}>; rel="canonical"` },
        );
      }
      return { status: 200, body: this.versioned(ws.contacts.contact(idx), version) };
    });

    // §4.2 companies.
    this.route("POST", "/companies/list", ({ url, version }) => this.companiesPage(url, version));
    this.route("GET", "/companies/scroll", ({ url, version }) =>
      this.scrollPage(url.searchParams.get("scroll_param"), version),
    );
    this.route("GET", "/companies", ({ url, version }) => {
      const companyId = url.searchParams.get("company_id");
      const name = url.searchParams.get("name");
      if (companyId !== null || name !== null) {
        const c = ws.companies.list.find((co) =>
          companyId !== null ? co.company_id === companyId : co.name === name,
        );
        if (!c) throw new ApiError(404, "company_not_found", "Company Not Found");
        return { status: 200, body: this.versioned(c, version) };
      }
      return this.companiesPage(url, version);
    });
    this.route("GET", "/companies/{id}", ({ params, version }) => {
      const i = ws.companies.indexById.get(params[0] ?? "");
      if (i === undefined) throw new ApiError(404, "company_not_found", "Company Not Found");
      return { status: 200, body: this.versioned(ws.companies.list[i] as JsonObject, version) };
    });

    // §4.4 conversations.
    this.route("GET", "/conversations", ({ url, version }) => {
      const page = this.listPage("conversations", this.conversationSearch, url, {
        sort: { field: "updated_at", order: "descending" },
        perPage: 20,
      });
      return {
        status: 200,
        body: {
          type: "conversation.list",
          pages: page.pages,
          total_count: page.total,
          conversations: page.indices.map((k) => this.conversationItem(k, version)),
        },
      };
    });
    this.route("POST", "/conversations/search", ({ body, version }) => {
      const page = this.searchPage("conversations", this.conversationSearch, body, {
        sort: { field: "updated_at", order: "descending" },
        perPage: 20,
      });
      return {
        status: 200,
        body: {
          type: "conversation.list",
          pages: page.pages,
          total_count: page.total,
          conversations: page.indices.map((k) => this.conversationItem(k, version)),
        },
      };
    });
    this.route("GET", "/conversations/deleted", ({ url, version }) => this.deletedPage(url, version));
    this.route("GET", "/conversations/{id}", ({ params, url, version }) => {
      const k = ws.conversations.indexById.get(params[0] ?? "");
      if (k === undefined || !ws.conversations.isLive(k))
        throw new ApiError(404, "not_found", "Resource Not Found");
      return {
        status: 200,
        body: this.conversationWithParts(k, version, url.searchParams.get("display_as")),
      };
    });
  }

  // ---------------------------------------------------------------- route helpers

  /** One page of a cursor list (§3): `per_page` up to 150 and `starting_after` in the query string. */
  private listPage(
    entity: string,
    adapter: SearchAdapter,
    url: URL,
    defaults: { sort: SortSpec; perPage: number },
  ): ReturnType<typeof cursorPage> {
    const perPage = perPageParam(url.searchParams.get("per_page"), defaults.perPage, 150);
    const rs = this.cache.get(`${entity}:list`, this.ws.version, () =>
      buildResultSet(adapter, null, defaults.sort),
    );
    return cursorPage(rs, perPage, url.searchParams.get("starting_after") ?? undefined);
  }

  /**
   * One page of a search (§3, §5): query and sort from the body, cursor from the body's
   * pagination only (a query-string starting_after is ignored, as the real API does), per_page
   * up to 150, result sets cached per query so later pages cost O(page).
   */
  private searchPage(
    entity: string,
    adapter: SearchAdapter,
    body: unknown,
    defaults: { sort: SortSpec; perPage: number },
  ): ReturnType<typeof cursorPage> {
    const req = searchBody(body);
    const predicate = compileQuery(req.query, adapter);
    const sort = parseSort(req.sort, adapter, defaults.sort);
    const perPage = bodyPerPage(req.pagination, defaults.perPage, 150);
    const rs = this.searchResults(entity, req.query, sort, () => buildResultSet(adapter, predicate, sort));
    return cursorPage(rs, perPage, startingAfterFromBody(req.pagination));
  }

  private searchResults(entity: string, query: unknown, sort: SortSpec, build: () => ResultSet): ResultSet {
    return this.cache.get(
      `${entity}:${JSON.stringify(query)}:${sort.field}:${sort.order}`,
      this.ws.version,
      build,
    );
  }

  private contactIndex(id: string): number {
    const idx = this.ws.contacts.indexById.get(id);
    if (idx === undefined || !this.ws.contacts.isLive(idx))
      throw new ApiError(404, "not_found", "User Not Found");
    return idx;
  }

  private contactSubList(idx: number, sub: "tags" | "companies" | "notes" | "segments"): JsonObject {
    const ws = this.ws;
    if (sub === "tags")
      return { type: "list", data: ws.contacts.tagIndices(idx).map((t) => ws.objects.tags[t] as JsonObject) };
    if (sub === "segments") {
      return { type: "list", data: ws.objects.segments.filter((_, s) => ws.contacts.inSegment(idx, s)) };
    }
    const data =
      sub === "companies"
        ? ws.contacts.companyIndices(idx).map((c) => ws.companies.list[c] as JsonObject)
        : Array.from({ length: ws.contacts.noteCount(idx) }, (_, n) => ws.contacts.note(idx, n));
    return {
      type: "list",
      data,
      total_count: data.length,
      pages: { type: "pages", next: null, page: 1, per_page: 50, total_pages: data.length > 0 ? 1 : 0 },
    };
  }

  private segmentCount(s: number): number {
    let n = 0;
    for (let i = 0; i < this.ws.contacts.ids.length; i++)
      if (this.ws.contacts.isLive(i) && this.ws.contacts.inSegment(i, s)) n++;
    return n;
  }

  /** Version-dependent shapes (§1.1) for clients pinned to an older version. */
  private versioned(obj: JsonObject, version: [number, number]): JsonObject {
    if (atLeast(version, 2, 16)) return obj;
    const out: JsonObject = { ...obj };
    if (out.type === "conversation") {
      delete out.channel;
      delete out.company;
      delete out.external_references;
      if (out.admin_assignee_id === 0) out.admin_assignee_id = null;
      if (out.team_assignee_id === 0) out.team_assignee_id = null;
      out.priority = out.priority === "none" ? "not_priority" : "priority";
    }
    if (out.type === "contact" && typeof out.owner_id === "string") out.owner_id = Number(out.owner_id);
    if (out.type === "company") delete out.notes;
    return out;
  }

  private conversationItem(k: number, version: [number, number]): JsonObject {
    return this.versioned(this.ws.conversations.records[k]?.obj as JsonObject, version);
  }

  private conversationWithParts(k: number, version: [number, number], displayAs: string | null): JsonObject {
    const total = this.ws.conversations.partCount(k);
    // §4.4: at most partsCap (500) parts; if more exist, the most recent ones, oldest first.
    const start = Math.max(0, total - this.opts.partsCap);
    const parts: JsonObject[] = [];
    for (let p = start; p < total; p++) {
      const part = this.ws.conversations.part(k, p);
      if (displayAs === "plaintext" && typeof part.body === "string") part.body = toPlainText(part.body);
      parts.push(part);
    }
    const base = this.conversationItem(k, version);
    const conv: JsonObject = { ...base };
    if (displayAs === "plaintext") {
      const source = { ...(base.source as JsonObject) };
      if (typeof source.body === "string") source.body = toPlainText(source.body);
      conv.source = source;
    }
    conv.conversation_parts = {
      type: "conversation_part.list",
      conversation_parts: parts,
      total_count: this.opts.partsTotalCount === "all" ? total : parts.length,
    };
    return conv;
  }

  /** POST /companies/list and GET /companies: page-based, last_request_at order, users only, capped (§4.2). */
  private companiesPage(url: URL, version: [number, number]): Reply {
    const ws = this.ws;
    const page = intParam(url.searchParams.get("page"), 1, "page");
    const perPage = perPageParam(url.searchParams.get("per_page"), 15, 150);
    const order = url.searchParams.get("order") ?? "desc";
    if (order !== "asc" && order !== "desc")
      throw new ApiError(400, "parameter_invalid", "order must be asc or desc");
    const tagId = url.searchParams.get("tag_id");
    const segmentId = url.searchParams.get("segment_id");
    let rows = ws.companies.list.map((_, i) => i).filter((i) => ws.companies.hasUsers(i));
    if (tagId !== null) {
      rows = rows.filter((i) =>
        (((ws.companies.list[i] as JsonObject).tags as JsonObject).tags as JsonObject[]).some(
          (t) => t.id === tagId,
        ),
      );
    }
    if (segmentId !== null) {
      rows = rows.filter((i) =>
        (((ws.companies.list[i] as JsonObject).segments as JsonObject).segments as JsonObject[]).some(
          (s) => s.id === segmentId,
        ),
      );
    }
    const dir = order === "asc" ? 1 : -1;
    const lra = (i: number) => (ws.companies.list[i]?.last_request_at as number | null) ?? 0;
    rows.sort((a, b) => dir * (lra(a) - lra(b)) || a - b);
    const reachable = Math.min(rows.length, this.opts.companiesListCap);
    const totalPages = Math.ceil(reachable / perPage);
    const from = (page - 1) * perPage;
    const to = Math.min(reachable, from + perPage);
    const data =
      from < to
        ? rows.slice(from, to).map((i) => this.versioned(ws.companies.list[i] as JsonObject, version))
        : [];
    return {
      status: 200,
      body: {
        type: "list",
        data,
        pages: { type: "pages", next: null, page, per_page: perPage, total_pages: totalPages },
        total_count: rows.length,
      },
    };
  }

  /** GET /companies/scroll (§4.2): one open scroll per app, idle expiry, empty data = end. */
  private scrollPage(param: string | null, version: [number, number]): Reply {
    const now = this.opts.clock();
    const expiryMs = this.opts.scrollIdleExpirySeconds * 1000;
    if (this.scroll && now - this.scroll.lastUsedMs > expiryMs) this.scroll = null;
    if (param === null || param === "") {
      if (this.scroll) {
        // intercom-ruby #292: HTTP 400 "scroll already exists for this app" with an empty error type.
        throw new ApiError(400, "", "scroll already exists for this app");
      }
      this.scroll = {
        param: randomUUID(),
        snapshot: this.ws.companies.list.map((_, i) => i),
        pos: 0,
        lastUsedMs: now,
        pagesServed: 0,
      };
    } else {
      if (!this.scroll || this.scroll.param !== param) {
        throw new ApiError(400, "client_error", "scroll_param is invalid or has expired");
      }
      if (this.scrollRestart && this.scroll.pagesServed >= this.scrollRestart.afterPages) {
        this.scrollRestart = null;
        this.scroll = null;
        this.stats.injected++;
        throw new ApiError(500, "server_error", SCROLL_RESTART_MESSAGE);
      }
    }
    const s = this.scroll;
    s.lastUsedMs = now;
    const slice = s.snapshot.slice(s.pos, s.pos + this.opts.scrollPageSize);
    s.pos += slice.length;
    if (slice.length === 0)
      this.scroll = null; // the end: the param expires
    else s.pagesServed++;
    return {
      status: 200,
      body: {
        type: "list",
        data: slice.map((i) => this.versioned(this.ws.companies.list[i] as JsonObject, version)),
        pages: null,
        total_count: null,
        scroll_param: s.param,
      },
    };
  }

  /** GET /conversations/deleted (2.16, §4.4): page-based, per_page max 60, order by deleted_at. */
  private deletedPage(url: URL, version: [number, number]): Reply {
    if (!atLeast(version, 2, 16)) {
      throw new ApiError(
        400,
        "intercom_version_invalid",
        "Requested resource is not available in current API version.",
      );
    }
    const page = intParam(url.searchParams.get("page"), 1, "page");
    const perPage = perPageParam(url.searchParams.get("per_page"), 20, 60);
    const order = url.searchParams.get("order") ?? "desc";
    if (order !== "asc" && order !== "desc")
      throw new ApiError(400, "parameter_invalid", "order must be asc or desc");
    const dir = order === "asc" ? 1 : -1;
    const rows = this.ws.conversations
      .deleted()
      .sort((a, b) => dir * (a.deleted_at - b.deleted_at || Number(a.id) - Number(b.id)));
    const totalPages = Math.ceil(rows.length / perPage);
    const data = rows.slice((page - 1) * perPage, page * perPage);
    const next =
      page < totalPages
        ? `${publicBase(url)}/conversations/deleted?per_page=${perPage}&order=${order}&page=${page + 1}`
        : null;
    return {
      status: 200,
      body: {
        type: "conversations.list",
        total_count: rows.length,
        pages: { type: "pages", next, page, per_page: perPage, total_pages: totalPages },
        conversations: data.map((d) => ({
          type: "conversation",
          id: d.id,
          metrics_retained: d.metrics_retained,
          deleted_at: d.deleted_at,
        })),
      },
    };
  }
}

// ------------------------------------------------------------------ small helpers

function one(item: JsonObject | undefined, code: string): Reply {
  if (!item) throw new ApiError(404, code, "Resource Not Found");
  return { status: 200, body: item };
}

function publicBase(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function toPlainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function intParam(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new ApiError(400, "parameter_invalid", `${name} must be a positive integer`);
  return Number(raw);
}

/** per_page from the query: positive integer; values above the maximum are clamped (documented choice). */
function perPageParam(raw: string | null, fallback: number, max: number): number {
  return Math.min(max, intParam(raw, fallback, "per_page"));
}

interface SearchBody {
  query: unknown;
  pagination: unknown;
  sort: unknown;
}

function searchBody(body: unknown): SearchBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "parameter_missing", "query is required");
  }
  const b = body as Record<string, unknown>;
  return { query: b.query, pagination: b.pagination, sort: b.sort };
}

function bodyPerPage(pagination: unknown, fallback: number, max: number): number {
  if (pagination === undefined || pagination === null) return fallback;
  if (typeof pagination !== "object")
    throw new ApiError(400, "parameter_invalid", "pagination must be an object");
  const raw = (pagination as Record<string, unknown>).per_page;
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1) {
    throw new ApiError(400, "parameter_invalid", "per_page must be a positive integer");
  }
  return Math.min(max, raw);
}

function startingAfterFromBody(pagination: unknown): string | undefined {
  if (typeof pagination !== "object" || pagination === null) return undefined;
  const raw = (pagination as Record<string, unknown>).starting_after;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") throw new ApiError(400, "client_error", BAD_CURSOR_MESSAGE);
  return raw;
}

interface CursorPageResult {
  indices: number[];
  total: number;
  pages: JsonObject;
}

/** Cursor page (§3, schema cursor_pages): `pages.next.starting_after` only when more results exist. */
function cursorPage(rs: ResultSet, perPage: number, startingAfter: string | undefined): CursorPageResult {
  let start = 0;
  if (startingAfter !== undefined) {
    const key = decodeCursor(startingAfter);
    if (!key) throw new ApiError(400, "client_error", BAD_CURSOR_MESSAGE);
    start = positionAfter(rs, key);
  }
  const total = rs.indices.length;
  const end = Math.min(total, start + perPage);
  const pageNo = Math.floor(start / perPage) + 1;
  const pages: JsonObject = {
    type: "pages",
    page: pageNo,
    per_page: perPage,
    total_pages: Math.ceil(total / perPage),
  };
  if (end < total && end > start) {
    pages.next = {
      page: pageNo + 1,
      starting_after: encodeCursor({ value: rs.keys[end - 1] ?? null, id: rs.ids[end - 1] ?? "" }),
    };
  }
  return { indices: Array.from(rs.indices.subarray(start, end)), total, pages };
}
