/** Conversation routes (§4.4): list, search, get with parts (500 most recent), deleted ids (2.16). */

import type { ResolvedOptions } from "../options.js";
import { ApiError, type SearchAdapter } from "../search.js";
import type { JsonObject, Workspace } from "../workspace.js";
import {
  atLeast,
  intParam,
  type Pager,
  perPageParam,
  publicBase,
  type Reply,
  type RouteSpec,
  routeList,
  toPlainText,
  versioned,
} from "./common.js";

export function conversationRoutes(
  ws: Workspace,
  opts: ResolvedOptions,
  pager: Pager,
  conversationSearch: SearchAdapter,
): RouteSpec[] {
  const { routes, route } = routeList();
  // §4.4 conversations.
  route("GET", "/conversations", ({ url, version }) => {
    const page = pager.list("conversations", conversationSearch, url, {
      sort: { field: "updated_at", order: "descending" },
      perPage: 20,
    });
    return {
      status: 200,
      body: {
        type: "conversation.list",
        pages: page.pages,
        total_count: page.total,
        conversations: page.indices.map((k) => conversationItem(k, version)),
      },
    };
  });
  route("POST", "/conversations/search", ({ body, version }) => {
    const page = pager.search("conversations", conversationSearch, body, {
      sort: { field: "updated_at", order: "descending" },
      perPage: 20,
    });
    return {
      status: 200,
      body: {
        type: "conversation.list",
        pages: page.pages,
        total_count: page.total,
        conversations: page.indices.map((k) => conversationItem(k, version)),
      },
    };
  });
  route("GET", "/conversations/deleted", ({ url, version }) => deletedPage(url, version));
  route("GET", "/conversations/{id}", ({ params, url, version }) => {
    const k = ws.conversations.indexById.get(params[0] ?? "");
    if (k === undefined || !ws.conversations.isLive(k))
      throw new ApiError(404, "not_found", "Resource Not Found");
    return {
      status: 200,
      body: conversationWithParts(k, version, url.searchParams.get("display_as")),
    };
  });

  function conversationItem(k: number, version: [number, number]): JsonObject {
    return versioned(ws.conversations.records[k]?.obj as JsonObject, version);
  }

  function conversationWithParts(k: number, version: [number, number], displayAs: string | null): JsonObject {
    const total = ws.conversations.partCount(k);
    // §4.4: at most partsCap (500) parts; if more exist, the most recent ones, oldest first.
    const start = Math.max(0, total - opts.partsCap);
    const parts: JsonObject[] = [];
    for (let p = start; p < total; p++) {
      const part = ws.conversations.part(k, p);
      if (displayAs === "plaintext" && typeof part.body === "string") part.body = toPlainText(part.body);
      parts.push(part);
    }
    const base = conversationItem(k, version);
    const conv: JsonObject = { ...base };
    if (displayAs === "plaintext") {
      const source = { ...(base.source as JsonObject) };
      if (typeof source.body === "string") source.body = toPlainText(source.body);
      conv.source = source;
    }
    conv.conversation_parts = {
      type: "conversation_part.list",
      conversation_parts: parts,
      total_count: opts.partsTotalCount === "all" ? total : parts.length,
    };
    return conv;
  }

  /** GET /conversations/deleted (2.16, §4.4): page-based, per_page max 60, order by deleted_at. */
  function deletedPage(url: URL, version: [number, number]): Reply {
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
    const rows = ws.conversations
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

  return routes;
}
