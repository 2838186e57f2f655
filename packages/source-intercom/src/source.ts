import { createHash } from "node:crypto";
import {
  type Checkpoint,
  ConfigError,
  createHttpClient,
  createRateGovernor,
  type DiscoverableSource,
  type JsonObject,
  type ReadOptions,
  registerSecret,
  type SourceMessage,
  type StreamDescriptor,
} from "@sluice/core";
import type { StreamContext } from "./context.js";
import { type IntercomSourceOptions, resolveOptions } from "./options.js";
import { INTERCOM_RATE_LIMIT } from "./rate-limit.js";
import { customAttributesSchema } from "./schemas.js";
import { adminsStream } from "./streams/admins.js";
import { companiesStream } from "./streams/companies.js";
import { saveKnownIds } from "./streams/contact-deletions.js";
import { leadsView, usersView } from "./streams/contact-views.js";
import { contactsStream } from "./streams/contacts.js";
import { ConversationFeed } from "./streams/conversation-feed.js";
import { conversationPartsStream } from "./streams/conversation-parts.js";
import { conversationsStream } from "./streams/conversations.js";
import {
  DATA_ATTRIBUTE_MODELS,
  dataAttributesStream,
  fetchConversationAttributes,
  fetchDataAttributes,
} from "./streams/data-attributes.js";
import { deletedConversationsStream } from "./streams/deleted-conversations.js";
import { segmentsStream } from "./streams/segments.js";
import { tagsStream } from "./streams/tags.js";
import { teamsStream } from "./streams/teams.js";
import type { IntercomStream } from "./streams/types.js";

const STREAMS: IntercomStream[] = [
  contactsStream,
  companiesStream,
  adminsStream,
  conversationsStream,
  conversationPartsStream,
  teamsStream,
  tagsStream,
  segmentsStream,
  dataAttributesStream,
  deletedConversationsStream,
  usersView,
  leadsView,
];

/** Stream names the Intercom source offers. */
export const INTERCOM_STREAMS = STREAMS.map((s) => s.name);

const noopReporter = {
  call: () => undefined,
  retry: () => undefined,
  rateLimitWait: () => undefined,
  warn: () => undefined,
  setTotal: () => undefined,
};

/**
 * The Intercom REST source. One HTTP client and ONE rate governor are shared by every stream read
 * of this source, so concurrent streams and concurrent conversation fetches stay within the app's
 * rate limit together.
 */
export function intercomSource(options: IntercomSourceOptions): DiscoverableSource {
  if (options && typeof options.accessToken === "string") registerSecret(options.accessToken);
  const opts = resolveOptions(options);
  registerSecret(opts.accessToken);
  const governor = createRateGovernor({
    headers: { ...INTERCOM_RATE_LIMIT.headers },
    windowMs: INTERCOM_RATE_LIMIT.windowMs,
    safetyMargin: opts.rateLimitSafetyMargin ?? 1,
  });
  const client = createHttpClient({
    baseUrl: opts.apiBase,
    headers: {
      authorization: `Bearer ${opts.accessToken}`,
      accept: "application/json",
      "intercom-version": opts.intercomVersion,
    },
    governor,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    backoff: opts.retryMinTimeoutMs === undefined ? undefined : { minTimeoutMs: opts.retryMinTimeoutMs },
    fetch: opts.fetch,
    ...(opts.retryBudget ? { retryBudget: opts.retryBudget } : {}),
    authHint:
      "Intercom needs a token of this workspace with read scopes (read users/companies, read conversations, read admins, read tags/segments/data attributes); " +
      "EU/AU workspaces must use region 'eu'/'au'",
  });
  const fingerprint = createHash("sha256").update(opts.accessToken).digest("hex").slice(0, 16);
  const scrollLockKey = `${opts.apiBase}#${fingerprint}`;
  const byName = new Map(STREAMS.map((s) => [s.name, s]));
  const feed = new ConversationFeed();
  const pendingIds = new Map<number, Set<string>>();

  return {
    name: "intercom",

    async check(signal?: AbortSignal): Promise<void> {
      await client.request({ method: "GET", path: "/me", signal });
    },

    async discover(signal?: AbortSignal): Promise<StreamDescriptor[]> {
      const ctx = { client, signal: signal ?? new AbortController().signal, reporter: noopReporter };
      const [contact, company, conversation] = await Promise.all([
        ...DATA_ATTRIBUTE_MODELS.map((m) => fetchDataAttributes(ctx, m)),
        fetchConversationAttributes(ctx),
      ]);
      const discovered = {
        contactCustom: customAttributesSchema((contact ?? []) as JsonObject[]),
        companyCustom: customAttributesSchema((company ?? []) as JsonObject[]),
        conversationCustom: customAttributesSchema((conversation ?? []) as JsonObject[]),
      };
      return STREAMS.map((s) => s.descriptor(discovered));
    },

    read(stream: string, readOptions: ReadOptions): AsyncIterable<SourceMessage> {
      const def = byName.get(stream);
      if (!def) {
        throw new ConfigError("stream selection", [
          {
            field: "stream",
            message: `unknown Intercom stream "${stream}"; offered: ${INTERCOM_STREAMS.join(", ")}`,
          },
        ]);
      }
      const ctx: StreamContext = {
        client,
        opts,
        signal: readOptions.signal,
        reporter: readOptions.reporter,
        logger: readOptions.logger.child({ source: "intercom", stream }),
        syncMode: readOptions.syncMode,
        state: readOptions.state,
        scrollLockKey,
        feed,
        pendingIds,
      };
      return def.read(ctx);
    },

    async committed(stream: string, checkpoint: Checkpoint): Promise<void> {
      const slot = checkpoint.ids_slot;
      if (stream !== "contacts" || typeof slot !== "number" || !opts.idStore) return;
      const ids = pendingIds.get(slot);
      if (!ids || ids.size !== checkpoint.known) return;
      await saveKnownIds(opts.idStore, slot, ids);
      pendingIds.delete(slot);
    },

    async close(): Promise<void> {
      pendingIds.clear();
      await feed.close();
    },
  };
}
