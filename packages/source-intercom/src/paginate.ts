import { DataError, type JsonObject, type QueryValue } from "@sluice/core";
import { apiGet, apiPost, type StreamContext } from "./context.js";
import { asArray, asNumber, isObject } from "./normalize.js";

export interface Page {
  items: JsonObject[];
  totalCount: number | undefined;
}

/** `pages.next.starting_after`, tolerating a missing or null `next` (§3). */
function nextCursor(body: JsonObject): string | undefined {
  const pages = body.pages;
  if (!isObject(pages)) return undefined;
  const next = pages.next;
  if (!isObject(next)) return undefined;
  const cursor = next.starting_after;
  return typeof cursor === "string" && cursor.length > 0 ? cursor : undefined;
}

function guardCursor(seen: Set<string>, cursor: string, path: string): void {
  if (seen.has(cursor)) {
    throw new DataError("the API returned the same pagination cursor twice (pagination loop)", { key: path });
  }
  seen.add(cursor);
}

/** Cursor pagination of a list endpoint: GET with `per_page` and `starting_after` in the query. */
export async function* cursorList(
  ctx: StreamContext,
  path: string,
  itemsKey: string,
  query: Record<string, QueryValue> = {},
): AsyncGenerator<Page> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const body = await apiGet(ctx, path, { ...query, per_page: ctx.opts.perPage, starting_after: cursor });
    yield { items: asArray(body[itemsKey]), totalCount: asNumber(body.total_count) };
    cursor = nextCursor(body);
    if (!cursor) return;
    guardCursor(seen, cursor, path);
  }
}

/** Search pagination: POST with the cursor in the JSON BODY, resending the same query and sort (§3). */
export async function* searchPages(
  ctx: StreamContext,
  path: string,
  itemsKey: string,
  query: JsonObject,
  sort?: JsonObject,
): AsyncGenerator<Page> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const pagination: JsonObject = { per_page: ctx.opts.perPage };
    if (cursor) pagination.starting_after = cursor;
    const body = await apiPost(ctx, path, { query, pagination, ...(sort ? { sort } : {}) });
    yield { items: asArray(body[itemsKey]), totalCount: asNumber(body.total_count) };
    cursor = nextCursor(body);
    if (!cursor) return;
    guardCursor(seen, cursor, path);
  }
}

/** Page-number pagination (`page`, `per_page` query; stop at `total_pages` or an empty page). */
export async function* pageNumbers(
  ctx: StreamContext,
  method: "GET" | "POST",
  path: string,
  itemsKey: string,
  query: Record<string, QueryValue> = {},
  perPage = ctx.opts.perPage,
): AsyncGenerator<Page> {
  for (let page = 1; ; page++) {
    const q = { ...query, page, per_page: perPage };
    const body = method === "GET" ? await apiGet(ctx, path, q) : await apiPost(ctx, path, undefined, q);
    const items = asArray(body[itemsKey]);
    yield { items, totalCount: asNumber(body.total_count) };
    const pages = isObject(body.pages) ? body.pages : undefined;
    const totalPages = asNumber(pages?.total_pages);
    const current = asNumber(pages?.page) ?? page;
    if (items.length === 0) return;
    if (totalPages !== undefined ? current >= totalPages : !pages?.next) return;
  }
}
