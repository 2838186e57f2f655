import { createHash } from "node:crypto";
import {
  ConfigError,
  createHttpClient,
  createRateGovernor,
  type DiscoverableSource,
  type JsonObject,
  type ReadOptions,
  registerSecret,
  type Source,
  type SourceMessage,
  type StreamDescriptor,
} from "@sluice/core";
import type { StreamContext } from "./context.js";
import { type IntercomSourceOptions, resolveOptions } from "./options.js";
import { customAttributesSchema } from "./schemas.js";
import { adminsStream } from "./streams/admins.js";
import { companiesStream } from "./streams/companies.js";
import { leadsView, usersView } from "./streams/contact-views.js";
import { contactsStream } from "./streams/contacts.js";
import { conversationPartsStream } from "./streams/conversation-parts.js";
import { conversationsStream } from "./streams/conversations.js";
import {
  DATA_ATTRIBUTE_MODELS,
  dataAttributesStream,
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
  const governor = createRateGovernor({ windowMs: 10_000, safetyMargin: opts.rateLimitSafetyMargin ?? 1 });
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
    authHint:
      "Intercom needs a token of this workspace with read scopes (read users/companies, read conversations, read admins, read tags/segments/data attributes); " +
      "EU/AU workspaces must use region 'eu'/'au'",
  });
  const fingerprint = createHash("sha256").update(opts.accessToken).digest("hex").slice(0, 16);
  const scrollLockKey = `${opts.apiBase}#${fingerprint}`;
  const byName = new Map(STREAMS.map((s) => [s.name, s]));

  return {
    name: "intercom",

    async check(signal?: AbortSignal): Promise<void> {
      await client.request({ method: "GET", path: "/me", signal });
    },

    async discover(signal?: AbortSignal): Promise<StreamDescriptor[]> {
      const ctx = { client, signal: signal ?? new AbortController().signal, reporter: noopReporter };
      const [contact, company] = await Promise.all(
        DATA_ATTRIBUTE_MODELS.map((m) => fetchDataAttributes(ctx, m)),
      );
      const discovered = {
        contactCustom: customAttributesSchema((contact ?? []) as JsonObject[]),
        companyCustom: customAttributesSchema((company ?? []) as JsonObject[]),
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
      };
      return def.read(ctx);
    },
  };
}
