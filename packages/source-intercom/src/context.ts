import type {
  Checkpoint,
  HttpClient,
  JsonObject,
  Logger,
  QueryValue,
  StreamReporter,
  SyncMode,
} from "@sluice/core";
import type { ResolvedOptions } from "./options.js";
import type { ConversationFeed } from "./streams/conversation-feed.js";

/** Everything a stream reader needs. */
export interface StreamContext {
  client: HttpClient;
  opts: ResolvedOptions;
  signal: AbortSignal;
  reporter: StreamReporter;
  logger: Logger;
  syncMode: SyncMode;
  state: Checkpoint | undefined;
  /** Key of the process-wide company-scroll lock (API host + token fingerprint). */
  scrollLockKey: string;
  /** Shares conversation fetches between `conversations` and `conversation_parts` (one per source). */
  feed: ConversationFeed;
  /** Known-contact id sets by slot, waiting for `committed()` (see contact-deletions.ts). */
  pendingIds: Map<number, Set<string>>;
}

export async function apiGet(
  ctx: StreamContext,
  path: string,
  query?: Record<string, QueryValue>,
): Promise<JsonObject> {
  const res = await ctx.client.request<JsonObject>({
    method: "GET",
    path,
    query,
    signal: ctx.signal,
    reporter: ctx.reporter,
  });
  return res.body ?? {};
}

export async function apiPost(
  ctx: StreamContext,
  path: string,
  body: unknown,
  query?: Record<string, QueryValue>,
): Promise<JsonObject> {
  const res = await ctx.client.request<JsonObject>({
    method: "POST",
    path,
    query,
    body,
    signal: ctx.signal,
    reporter: ctx.reporter,
  });
  return res.body ?? {};
}
