import { type JsonObject, TOMBSTONE_FIELD } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, asNumber } from "../normalize.js";

/** Max page size of GET /conversations/deleted (§4.4). */
const DELETED_PAGE = 60;

/**
 * Conversations deleted at or after `since` (GET /conversations/deleted, 2.16, §4.4), as
 * tombstones `{ id, _sluice_deleted: true, deleted_at, reason: "deleted" }`. The endpoint has no
 * time filter: it is read newest first and stops at the first page reaching below `since`, so
 * the cost is proportional to the deletions (one call when there are none).
 */
export async function* deletedConversationsSince(
  ctx: StreamContext,
  since: number,
): AsyncGenerator<{ tombstones: JsonObject[]; maxDeletedAt: number }> {
  for (let page = 1; ; page++) {
    const body = await apiGet(ctx, "/conversations/deleted", { order: "desc", per_page: DELETED_PAGE, page });
    const items = asArray(body.conversations);
    const tombstones: JsonObject[] = [];
    let maxDeletedAt = 0;
    let reachedOlder = false;
    for (const item of items) {
      const at = asNumber(item.deleted_at) ?? 0;
      if (at < since) {
        reachedOlder = true;
        break;
      }
      if (item.id == null) continue;
      maxDeletedAt = Math.max(maxDeletedAt, at);
      tombstones.push({ id: String(item.id), [TOMBSTONE_FIELD]: true, deleted_at: at, reason: "deleted" });
    }
    if (tombstones.length > 0) yield { tombstones, maxDeletedAt };
    const pages = body.pages as JsonObject | undefined;
    const totalPages = asNumber(pages?.total_pages);
    if (reachedOlder || items.length === 0 || (totalPages !== undefined && page >= totalPages)) return;
  }
}

/** The newest `deleted_at` of the deleted-conversations feed (0 when empty). One call. */
export async function latestDeletion(ctx: StreamContext): Promise<number> {
  const body = await apiGet(ctx, "/conversations/deleted", { order: "desc", per_page: 1, page: 1 });
  return asNumber(asArray(body.conversations)[0]?.deleted_at) ?? 0;
}
