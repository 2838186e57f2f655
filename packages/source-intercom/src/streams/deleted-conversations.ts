import type { SourceMessage } from "@sluice/core";
import type { StreamContext } from "../context.js";
import { normalize } from "../normalize.js";
import { pageNumbers } from "../paginate.js";
import { deletedConversationSchema } from "../schemas.js";
import type { IntercomStream } from "./types.js";

/**
 * Deleted conversation ids (GET /conversations/deleted, 2.16+, page-number pagination, max 60 per
 * page, oldest first). A separate full-refresh stream rather than tombstones inside
 * `conversations`: downstream applies deletes with it (e.g. DELETE … WHERE id IN deleted).
 */
async function* readDeleted(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  let first = true;
  for await (const page of pageNumbers(
    ctx,
    "GET",
    "/conversations/deleted",
    "conversations",
    { order: "asc" },
    60,
  )) {
    if (first && page.totalCount !== undefined) ctx.reporter.setTotal(page.totalCount);
    first = false;
    const records = page.items.map((r) => normalize(r));
    if (records.length > 0) yield { kind: "records", records };
  }
}

export const deletedConversationsStream: IntercomStream = {
  name: "deleted_conversations",
  descriptor: () => ({
    name: "deleted_conversations",
    primaryKey: ["id"],
    schema: deletedConversationSchema(),
    syncModes: ["full"],
  }),
  read: readDeleted,
};
