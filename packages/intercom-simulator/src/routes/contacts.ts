/** Contact routes (§4.1): list, search, get (410 for merged, 404 for deleted), sub-lists. */
import { ApiError, type SearchAdapter } from "../search.js";
import type { JsonObject, Workspace } from "../workspace.js";
import { atLeast, type Pager, type RouteSpec, routeList, versioned } from "./common.js";

export function contactRoutes(
  ws: Workspace,
  pager: Pager,
  adapters: { contactSearch: SearchAdapter; contactList: SearchAdapter },
): RouteSpec[] {
  const { routes, route } = routeList();
  // §4.1 contacts.
  route("GET", "/contacts", ({ url }) => {
    const page = pager.list("contacts", adapters.contactList, url, {
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
  route("POST", "/contacts/search", ({ body }) => {
    // The query string's starting_after is ignored: only the body's pagination counts (§3).
    const page = pager.search("contacts", adapters.contactSearch, body, {
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
    route("GET", `/contacts/{id}/${sub}`, ({ params }) => {
      const idx = contactIndex(params[0] ?? "");
      return { status: 200, body: contactSubList(idx, sub) };
    });
  }
  route("GET", "/contacts/find_by_external_id/{external_id}", ({ params }) => {
    for (let i = 0; i < ws.contacts.ids.length; i++) {
      if (ws.contacts.isLive(i) && ws.contacts.externalId(i) === params[0])
        return { status: 200, body: ws.contacts.contact(i) };
    }
    throw new ApiError(404, "not_found", "User Not Found");
  });
  route("GET", "/contacts/{id}", ({ params, version }) => {
    const idx = ws.contacts.indexById.get(params[0] ?? "");
    if (idx === undefined || ws.contacts.isDeleted(idx) || ws.contacts.isDeleted(ws.contacts.canonical(idx)))
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
    return { status: 200, body: versioned(ws.contacts.contact(idx), version) };
  });

  function contactIndex(id: string): number {
    const idx = ws.contacts.indexById.get(id);
    if (idx === undefined || !ws.contacts.isLive(idx)) throw new ApiError(404, "not_found", "User Not Found");
    return idx;
  }

  function contactSubList(idx: number, sub: "tags" | "companies" | "notes" | "segments"): JsonObject {
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

  return routes;
}
