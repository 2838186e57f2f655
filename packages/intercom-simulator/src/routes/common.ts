/**
 * What every route group shares: the reply and request shapes, the error envelope (§7), version
 * checks (§1.1), the cursor and page-number pagination helpers (§3) and the cached result sets
 * of lists and searches.
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { decodeCursor, encodeCursor } from "../cursor.js";
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
} from "../search.js";
import type { Json, JsonObject, Workspace } from "../workspace.js";

export interface Reply {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

export interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: string[];
  body: unknown;
  /** Parsed Intercom-Version as [major, minor]. */
  version: [number, number];
}

export type Handler = (ctx: Ctx) => Reply;

/** A route of a group: method, path template (`{id}` segments) and handler. */
export interface RouteSpec {
  method: string;
  template: string;
  handler: Handler;
}

/** Collects a group's routes. */
export function routeList(): {
  routes: RouteSpec[];
  route: (method: string, template: string, handler: Handler) => void;
} {
  const routes: RouteSpec[] = [];
  return { routes, route: (method, template, handler) => void routes.push({ method, template, handler }) };
}

export const BAD_CURSOR_MESSAGE =
  "Invalid starting_after param. Please try again using a starting_after value from a paginated response";

export function errorBody(code: string, message: string | null): JsonObject {
  // Error envelope, §7 (schema `error`).
  return { type: "error.list", request_id: randomUUID(), errors: [{ code, message }] };
}

export function atLeast(v: [number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

/** Version-dependent shapes (§1.1) for clients pinned to an older version. */
export function versioned(obj: JsonObject, version: [number, number]): JsonObject {
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

/** Lists and searches over the workspace, result sets cached per query and workspace version. */
export class Pager {
  private readonly cache = new ResultCache(32);
  constructor(private readonly ws: Workspace) {}

  /** One page of a cursor list (§3): `per_page` up to 150 and `starting_after` in the query string. */
  list(
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
  search(
    entity: string,
    adapter: SearchAdapter,
    body: unknown,
    defaults: { sort: SortSpec; perPage: number },
  ): ReturnType<typeof cursorPage> {
    const req = searchBody(body);
    const predicate = compileQuery(req.query, adapter);
    const sort = parseSort(req.sort, adapter, defaults.sort);
    const perPage = bodyPerPage(req.pagination, defaults.perPage, 150);
    const rs = this.results(entity, req.query, sort, () => buildResultSet(adapter, predicate, sort));
    return cursorPage(rs, perPage, startingAfterFromBody(req.pagination));
  }

  private results(entity: string, query: unknown, sort: SortSpec, build: () => ResultSet): ResultSet {
    return this.cache.get(
      `${entity}:${JSON.stringify(query)}:${sort.field}:${sort.order}`,
      this.ws.version,
      build,
    );
  }
}

export function one(item: JsonObject | undefined, code: string): Reply {
  if (!item) throw new ApiError(404, code, "Resource Not Found");
  return { status: 200, body: item };
}

export function publicBase(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

export function toPlainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export function intParam(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new ApiError(400, "parameter_invalid", `${name} must be a positive integer`);
  return Number(raw);
}

/** per_page from the query: positive integer; values above the maximum are clamped (documented choice). */
export function perPageParam(raw: string | null, fallback: number, max: number): number {
  return Math.min(max, intParam(raw, fallback, "per_page"));
}

export interface SearchBody {
  query: unknown;
  pagination: unknown;
  sort: unknown;
}

export function searchBody(body: unknown): SearchBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "parameter_missing", "query is required");
  }
  const b = body as Record<string, unknown>;
  return { query: b.query, pagination: b.pagination, sort: b.sort };
}

export function bodyPerPage(pagination: unknown, fallback: number, max: number): number {
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

export function startingAfterFromBody(pagination: unknown): string | undefined {
  if (typeof pagination !== "object" || pagination === null) return undefined;
  const raw = (pagination as Record<string, unknown>).starting_after;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") throw new ApiError(400, "client_error", BAD_CURSOR_MESSAGE);
  return raw;
}

export interface CursorPageResult {
  indices: number[];
  total: number;
  pages: JsonObject;
}

/** Cursor page (§3, schema cursor_pages): `pages.next.starting_after` only when more results exist. */
export function cursorPage(
  rs: ResultSet,
  perPage: number,
  startingAfter: string | undefined,
): CursorPageResult {
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
