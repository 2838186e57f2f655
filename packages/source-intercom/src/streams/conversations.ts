import { setMaxListeners } from "node:events";
import { type JsonObject, SluiceError, type SourceMessage } from "@sluice/core";
import pLimit from "p-limit";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, asNumber, isObject, normalize } from "../normalize.js";
import { cursorList, type Page, searchPages } from "../paginate.js";
import { conversationSchema } from "../schemas.js";
import { watermarkOf } from "./contacts.js";
import { deletedConversationsSince, latestDeletion } from "./conversation-deletions.js";
import type { FeedBatch } from "./conversation-feed.js";
import type { IntercomStream } from "./types.js";

/** Records per emitted batch of conversations. */
const BATCH = 50;

export interface ConversationDetail {
  conversation: JsonObject;
  parts: JsonObject[];
  truncated: boolean;
}

/**
 * List pages of conversations: GET /conversations (full) or, incrementally, POST
 * /conversations/search `updated_at > W` (documented as ≥, exact seconds), ascending, cursor in
 * the body (§4.4, §5.4). W = checkpoint − lag.
 */
export function conversationPages(ctx: StreamContext): {
  pages: AsyncGenerator<Page>;
  since: number | undefined;
} {
  const previous = watermarkOf(ctx);
  if (ctx.syncMode === "incremental" && previous !== undefined) {
    const since = Math.max(0, previous - ctx.opts.lagSeconds);
    const query = { field: "updated_at", operator: ">", value: since };
    return {
      pages: searchPages(ctx, "/conversations/search", "conversations", query, {
        field: "updated_at",
        order: "ascending",
      }),
      since,
    };
  }
  return { pages: cursorList(ctx, "/conversations", "conversations"), since: undefined };
}

/**
 * GET /conversations/{id} for every listed conversation, `conversationConcurrency` at a time
 * through the shared rate governor, in list order. Memory stays bounded: list pages are consumed
 * as they come and at most 3 × concurrency details are pending; a slow consumer stops new fetches.
 * A conversation deleted between list and get (404) is skipped with a warning; one whose parts
 * were capped (500 most recent) is flagged and reported.
 */
export async function* conversationDetails(
  ctx: StreamContext,
  pages: AsyncGenerator<Page>,
): AsyncGenerator<ConversationDetail[]> {
  const inner = new AbortController();
  const signal = AbortSignal.any([ctx.signal, inner.signal]);
  // every pending request and governor waiter listens on this signal
  setMaxListeners(ctx.opts.conversationConcurrency * 4 + 20, signal);
  const dctx: StreamContext = { ...ctx, signal };
  const concurrency = ctx.opts.conversationConcurrency;
  const limit = pLimit(concurrency);
  const pending: Promise<ConversationDetail | null>[] = [];
  const maxPending = concurrency * 3;
  let batch: ConversationDetail[] = [];
  try {
    for await (const page of pages) {
      for (const item of page.items) {
        const id = item.id == null ? undefined : String(item.id);
        if (!id) continue;
        const p = limit(() => fetchDetail(dctx, id));
        p.catch(() => undefined); // awaited below, in order
        pending.push(p);
        while (pending.length >= maxPending) {
          const d = await pending.shift()!;
          if (d) batch.push(d);
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    while (pending.length > 0) {
      const d = await pending.shift()!;
      if (d) batch.push(d);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    limit.clearQueue();
    inner.abort(new Error("conversation read finished"));
  }
}

async function fetchDetail(ctx: StreamContext, id: string): Promise<ConversationDetail | null> {
  let body: JsonObject;
  try {
    body = await apiGet(ctx, `/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof SluiceError && error.code === "http_error" && error.details.status === 404) {
      ctx.reporter.warn(
        "conversation_not_found",
        `conversation ${id} was deleted between list and get; skipped`,
        {
          conversation_id: id,
        },
      );
      return null;
    }
    throw error;
  }
  const conversation = normalize(body);
  const partsList = isObject(conversation.conversation_parts) ? conversation.conversation_parts : undefined;
  const parts = asArray(partsList?.conversation_parts);
  const fetched = parts.length;
  const totalCount = asNumber(partsList?.total_count);
  const stats = isObject(conversation.statistics) ? conversation.statistics : undefined;
  const counted = asNumber(stats?.count_conversation_parts);
  const expected = Math.max(fetched, totalCount ?? 0, counted ?? 0);
  const truncated = expected > fetched;
  if (truncated) {
    ctx.reporter.warn(
      "conversation_parts_truncated",
      `conversation ${id} has ${expected} parts but Intercom returned only the ${fetched} most recent`,
      { conversation_id: id, expected, fetched },
    );
  }
  conversation.parts_truncated = truncated;
  return { conversation, parts, truncated };
}

/** Conversation details for this read, fetched once per run and shared with `conversation_parts`. */
export function conversationBatches(ctx: StreamContext): AsyncGenerator<FeedBatch> {
  const w = watermarkOf(ctx);
  const key = ctx.syncMode === "incremental" && w !== undefined ? `since:${w}` : "full";
  return ctx.feed.read(ctx, key, fetchBatches);
}

async function* fetchBatches(ctx: StreamContext): AsyncGenerator<FeedBatch> {
  const { pages } = conversationPages(ctx);
  let totalCount: number | undefined;
  async function* counted(): AsyncGenerator<Page> {
    for await (const page of pages) {
      totalCount ??= page.totalCount;
      yield page;
    }
  }
  for await (const details of conversationDetails(ctx, counted())) yield { details, totalCount };
}

/**
 * Conversations (§4.4): each record is the full conversation object INCLUDING its
 * `conversation_parts` ({type, conversation_parts, total_count}) and `parts_truncated`.
 * With `includeParts: false` the list/search items are emitted as they are (no per-id GET).
 * Incremental runs then emit tombstones for conversations deleted since the last run.
 * Checkpoint `{ updated_at, deleted_at }` on every run, full or incremental.
 */
async function* readConversations(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  let max = watermarkOf(ctx) ?? 0;
  const track = (c: JsonObject) => {
    const u = asNumber(c.updated_at);
    if (u !== undefined && u > max) max = u;
  };
  let first = true;
  if (!ctx.opts.includeParts) {
    const { pages, since } = conversationPages(ctx);
    let batches = 0;
    for await (const page of pages) {
      if (first && page.totalCount !== undefined) ctx.reporter.setTotal(page.totalCount);
      first = false;
      const records = page.items.map((c) => normalize(c));
      records.forEach(track);
      if (records.length > 0) yield { kind: "records", records };
      if (since !== undefined && ++batches % ctx.opts.checkpointEveryPages === 0) {
        yield { kind: "checkpoint", checkpoint: { ...ctx.state, updated_at: max } };
      }
    }
  } else {
    for await (const batch of conversationBatches(ctx)) {
      if (first && batch.totalCount !== undefined) ctx.reporter.setTotal(batch.totalCount);
      first = false;
      const records = batch.details.map((d) => d.conversation);
      records.forEach(track);
      yield { kind: "records", records };
    }
  }
  const checkpoint: JsonObject = max > 0 ? { updated_at: max } : {};
  const previousDeletedAt = asNumber(ctx.state?.deleted_at);
  if (ctx.syncMode === "incremental" && watermarkOf(ctx) !== undefined) {
    // deleted_at is exact (no search index): re-read only the watermark's own second; without a
    // deletion watermark yet (an older state) the whole feed is read once
    const since = previousDeletedAt ?? 0;
    let latest = previousDeletedAt ?? 0;
    let deleted = 0;
    for await (const { tombstones, maxDeletedAt } of deletedConversationsSince(ctx, since)) {
      latest = Math.max(latest, maxDeletedAt);
      deleted += tombstones.length;
      yield { kind: "records", records: tombstones };
    }
    if (deleted > 0) {
      ctx.reporter.warn("conversations_deleted", `${deleted} conversations deleted since the last run`, {
        deleted,
      });
    }
    checkpoint.deleted_at = latest;
  } else {
    checkpoint.deleted_at = await latestDeletion(ctx);
  }
  yield { kind: "checkpoint", checkpoint };
}

export const conversationsStream: IntercomStream = {
  name: "conversations",
  descriptor: (d) => ({
    name: "conversations",
    primaryKey: ["id"],
    cursorField: "updated_at",
    schema: conversationSchema(d.conversationCustom),
    syncModes: ["full", "incremental"],
  }),
  read: readConversations,
};
