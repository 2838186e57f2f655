/** Company routes (§4.2): POST /companies/list and GET /companies (page numbers), the one-per-app scroll, get. */
import { randomUUID } from "node:crypto";
import type { ResolvedOptions } from "../options.js";
import { ApiError } from "../search.js";
import type { JsonObject, Workspace } from "../workspace.js";
import { intParam, perPageParam, type Reply, type RouteSpec, routeList, versioned } from "./common.js";

interface ScrollState {
  param: string;
  snapshot: number[];
  pos: number;
  lastUsedMs: number;
  pagesServed: number;
}

const SCROLL_RESTART_MESSAGE =
  "Request failed due to an internal network error. Please restart the scroll operation.";

export interface CompanyRouteHooks {
  /** True (once) when an injected "restart the scroll" fault is due after this many pages. */
  scrollRestartDue(pagesServed: number): boolean;
}

export function companyRoutes(ws: Workspace, opts: ResolvedOptions, hooks: CompanyRouteHooks): RouteSpec[] {
  const { routes, route } = routeList();
  let scroll: ScrollState | null = null;
  // §4.2 companies.
  route("POST", "/companies/list", ({ url, version }) => companiesPage(url, version));
  route("GET", "/companies/scroll", ({ url, version }) =>
    scrollPage(url.searchParams.get("scroll_param"), version),
  );
  route("GET", "/companies", ({ url, version }) => {
    const companyId = url.searchParams.get("company_id");
    const name = url.searchParams.get("name");
    if (companyId !== null || name !== null) {
      const c = ws.companies.list.find((co) =>
        companyId !== null ? co.company_id === companyId : co.name === name,
      );
      if (!c) throw new ApiError(404, "company_not_found", "Company Not Found");
      return { status: 200, body: versioned(c, version) };
    }
    return companiesPage(url, version);
  });
  route("GET", "/companies/{id}", ({ params, version }) => {
    const i = ws.companies.indexById.get(params[0] ?? "");
    if (i === undefined) throw new ApiError(404, "company_not_found", "Company Not Found");
    return { status: 200, body: versioned(ws.companies.list[i] as JsonObject, version) };
  });

  /** POST /companies/list and GET /companies: page-based, last_request_at order, users only, capped (§4.2). */
  function companiesPage(url: URL, version: [number, number]): Reply {
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
    const reachable = Math.min(rows.length, opts.companiesListCap);
    const totalPages = Math.ceil(reachable / perPage);
    const from = (page - 1) * perPage;
    const to = Math.min(reachable, from + perPage);
    const data =
      from < to
        ? rows.slice(from, to).map((i) => versioned(ws.companies.list[i] as JsonObject, version))
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
  function scrollPage(param: string | null, version: [number, number]): Reply {
    const now = opts.clock();
    const expiryMs = opts.scrollIdleExpirySeconds * 1000;
    if (scroll && now - scroll.lastUsedMs > expiryMs) scroll = null;
    if (param === null || param === "") {
      if (scroll) {
        // intercom-ruby #292: HTTP 400 "scroll already exists for this app" with an empty error type.
        throw new ApiError(400, "", "scroll already exists for this app");
      }
      scroll = {
        param: randomUUID(),
        snapshot: ws.companies.list.map((_, i) => i),
        pos: 0,
        lastUsedMs: now,
        pagesServed: 0,
      };
    } else {
      if (!scroll || scroll.param !== param) {
        throw new ApiError(400, "client_error", "scroll_param is invalid or has expired");
      }
      if (hooks.scrollRestartDue(scroll.pagesServed)) {
        scroll = null;
        throw new ApiError(500, "server_error", SCROLL_RESTART_MESSAGE);
      }
    }
    const s = scroll;
    s.lastUsedMs = now;
    const slice = s.snapshot.slice(s.pos, s.pos + opts.scrollPageSize);
    s.pos += slice.length;
    if (slice.length === 0)
      scroll = null; // the end: the param expires
    else s.pagesServed++;
    return {
      status: 200,
      body: {
        type: "list",
        data: slice.map((i) => versioned(ws.companies.list[i] as JsonObject, version)),
        pages: null,
        total_count: null,
        scroll_param: s.param,
      },
    };
  }

  return routes;
}
