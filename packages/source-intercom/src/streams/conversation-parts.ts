import type { JsonObject, SourceMessage } from "@sluice/core";
import type { StreamContext } from "../context.js";
import { asNumber } from "../normalize.js";
import { conversationPartSchema } from "../schemas.js";
import { watermarkOf } from "./contacts.js";
import { conversationBatches } from "./conversations.js";
import type { IntercomStream } from "./types.js";

/**
 * Conversation parts, flattened: one record per part with `conversation_id` (and
 * `conversation_updated_at`), from GET /conversations/{id} (at most the 500 most recent parts).
 * The cursor follows the conversation's updated_at (a new part moves it). Selected together with
 * `conversations` (same checkpoint), each conversation is fetched once for both streams.
 */
async function* readParts(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  let max = watermarkOf(ctx) ?? 0;
  let first = true;
  for await (const { details, totalCount } of conversationBatches(ctx)) {
    if (first && totalCount !== undefined) ctx.reporter.setTotal(totalCount);
    first = false;
    const records: JsonObject[] = [];
    for (const d of details) {
      const conversationId = String(d.conversation.id);
      const updated = asNumber(d.conversation.updated_at);
      if (updated !== undefined && updated > max) max = updated;
      for (const part of d.parts) {
        records.push({ ...part, conversation_id: conversationId, conversation_updated_at: updated ?? null });
      }
    }
    if (records.length > 0) yield { kind: "records", records };
  }
  if (max > 0) yield { kind: "checkpoint", checkpoint: { updated_at: max } };
}

export const conversationPartsStream: IntercomStream = {
  name: "conversation_parts",
  descriptor: () => ({
    name: "conversation_parts",
    primaryKey: ["id"],
    cursorField: "conversation_updated_at",
    schema: conversationPartSchema(),
    syncModes: ["full", "incremental"],
  }),
  read: readParts,
};
