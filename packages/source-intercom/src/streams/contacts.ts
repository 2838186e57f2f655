import type { JsonObject, SourceMessage } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, asNumber, isObject, normalize } from "../normalize.js";
import { cursorList, searchPages } from "../paginate.js";
import { contactSchema } from "../schemas.js";
import {
  confirmGone,
  contactTotal,
  type KnownIds,
  listContactIds,
  loadKnownIds,
  nextSlot,
} from "./contact-deletions.js";
import type { IntercomStream } from "./types.js";

/** Embedded sub-lists of a contact that Intercom truncates to 10 items (`has_more`). */
const EMBEDDED_LISTS = ["tags", "notes", "companies"] as const;

/** The checkpoint watermark of a contacts/conversations state, if any. */
export function watermarkOf(ctx: StreamContext): number | undefined {
  const v = asNumber(ctx.state?.updated_at);
  return v !== undefined && v > 0 ? v : undefined;
}

/**
 * Contacts (§4.1).
 * - full: GET /contacts, cursor pagination (`starting_after` in the query).
 * - incremental: POST /contacts/search with the day-granular trick (§5.3/5.4):
 *   `updated_at = W OR updated_at > W`, W = checkpoint − lag, ascending by updated_at, cursor in
 *   the body; records with updated_at < W (same local day, before W) are dropped client-side.
 *   Then deletions (see contact-deletions.ts): tombstone records `{ id, _sluice_deleted: true }`.
 * Every run, full or incremental, ends with the checkpoint `{ updated_at, known, ids_slot }`
 * (intermediate ones every `checkpointEveryPages` search pages).
 * Embedded lists (tags/notes/companies) are kept as Intercom sends them (≤ 10 items, `has_more`);
 * `expandContactLists` replaces them by the full list (one extra call per truncated list).
 */
async function* readContacts(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  const previous = watermarkOf(ctx);
  const tracker = new ContactTracker(previous ?? 0);
  if (ctx.syncMode === "incremental" && previous !== undefined) {
    // the count probe comes first: a contact created during the search then shows as an extra
    // (a reconcile sweep), never as a hidden deletion
    const known = await loadKnownIds(ctx);
    const total = known ? await contactTotal(ctx) : undefined;
    yield* changedContacts(ctx, previous, tracker);
    yield* deletions(ctx, tracker, known, total);
  } else {
    if (ctx.syncMode === "incremental") ctx.logger.info("contacts: no checkpoint yet; full read");
    for await (const page of cursorList(ctx, "/contacts", "data")) {
      if (tracker.pages++ === 0 && page.totalCount !== undefined) ctx.reporter.setTotal(page.totalCount);
      const records = await tracker.accept(ctx, page.items);
      if (records.length > 0) yield { kind: "records", records };
    }
    tracker.known = ctx.opts.idStore ? new Set(tracker.emitted) : undefined;
  }
  yield { kind: "checkpoint", checkpoint: await finalCheckpoint(ctx, tracker) };
}

/** What a contacts read has seen so far. */
class ContactTracker {
  pages = 0;
  dropped = 0;
  readonly emitted = new Set<string>();
  /** The known id set to save at the end (undefined: nothing to save). */
  known: Set<string> | undefined;
  knownSlot: number | undefined;
  constructor(public max: number) {}

  async accept(ctx: StreamContext, items: JsonObject[], since?: number): Promise<JsonObject[]> {
    const records: JsonObject[] = [];
    for (const item of items) {
      const contact = normalize(item);
      const updated = asNumber(contact.updated_at);
      if (since !== undefined && updated !== undefined && updated < since) {
        this.dropped++;
        continue;
      }
      if (updated !== undefined && updated > this.max) this.max = updated;
      if (contact.id != null) this.emitted.add(String(contact.id));
      if (ctx.opts.expandContactLists) await expandLists(ctx, contact);
      records.push(contact);
    }
    return records;
  }
}

async function* changedContacts(
  ctx: StreamContext,
  previous: number,
  tracker: ContactTracker,
): AsyncGenerator<SourceMessage> {
  const since = Math.max(0, previous - ctx.opts.lagSeconds);
  const query = {
    operator: "OR",
    value: [
      { field: "updated_at", operator: "=", value: since },
      { field: "updated_at", operator: ">", value: since },
    ],
  };
  ctx.logger.info(
    { since, checkpoint: previous, lagSeconds: ctx.opts.lagSeconds },
    "contacts: incremental search",
  );
  const sort = { field: "updated_at", order: "ascending" };
  for await (const page of searchPages(ctx, "/contacts/search", "data", query, sort)) {
    if (tracker.pages++ === 0 && page.totalCount !== undefined) ctx.reporter.setTotal(page.totalCount);
    const records = await tracker.accept(ctx, page.items, since);
    if (records.length > 0) yield { kind: "records", records };
    if (tracker.pages % ctx.opts.checkpointEveryPages === 0 && tracker.max > 0) {
      // keeps the previous known set: contacts seen since count as new again next time
      yield { kind: "checkpoint", checkpoint: { ...ctx.state, updated_at: tracker.max } };
    }
  }
  if (tracker.dropped > 0)
    ctx.logger.debug(
      { dropped: tracker.dropped, since },
      "contacts: dropped search results older than the watermark",
    );
}

/**
 * known + new − total ≠ 0 (or `contactSweep: "always"`): sweep every id, confirm each missing one
 * and emit tombstones (merged contacts: their canonical contact too). 0: no sweep, no call.
 */
async function* deletions(
  ctx: StreamContext,
  tracker: ContactTracker,
  known: KnownIds | undefined,
  total: number | undefined,
): AsyncGenerator<SourceMessage> {
  if (!ctx.opts.idStore) {
    ctx.reporter.warn(
      "contact_deletions_undetected",
      "contact deletions are not detected: the source has no idStore",
    );
    return;
  }
  tracker.knownSlot = known?.slot;
  if (!known || total === undefined) {
    ctx.logger.info("contacts: no known contact set yet; one sweep establishes it");
    tracker.known = await listContactIds(ctx);
    return;
  }
  const fresh = [...tracker.emitted].filter((id) => !known.ids.has(id));
  const estimate = known.ids.size + fresh.length - total;
  const forced = ctx.opts.contactSweep === "always";
  ctx.logger.info(
    { known: known.ids.size, new: fresh.length, total, estimate, forced },
    "contacts: deletion check",
  );
  if (estimate === 0 && !forced) {
    tracker.known = fresh.length > 0 ? new Set([...known.ids, ...fresh]) : undefined;
    return;
  }
  const listed = await listContactIds(ctx);
  const missing = [...known.ids, ...fresh].filter((id) => !listed.has(id));
  const seenAt = Math.floor(Date.now() / 1000);
  const records: JsonObject[] = [];
  let merged = 0;
  for (const id of missing) {
    const gone = await confirmGone(ctx, id, seenAt);
    if (!gone) {
      listed.add(id);
      continue;
    }
    records.push(gone.tombstone);
    if (gone.tombstone.reason === "merged") merged++;
    const canonical = gone.canonical ? normalize(gone.canonical) : undefined;
    if (canonical?.id != null && !tracker.emitted.has(String(canonical.id))) {
      tracker.emitted.add(String(canonical.id));
      records.push(canonical);
    }
  }
  tracker.known = listed;
  if (missing.length > 0) {
    ctx.reporter.warn(
      "contacts_deleted",
      `${records.length - merged} contacts deleted and ${merged} merged since the last run`,
      {
        deleted: records.length - merged,
        merged,
        swept: true,
      },
    );
  }
  if (records.length > 0) yield { kind: "records", records };
}

async function finalCheckpoint(ctx: StreamContext, tracker: ContactTracker): Promise<JsonObject> {
  const checkpoint: JsonObject = { ...(ctx.syncMode === "incremental" ? ctx.state : {}) };
  if (tracker.max > 0) checkpoint.updated_at = tracker.max;
  if (tracker.known) {
    const slot = nextSlot(tracker.knownSlot);
    checkpoint.ids_slot = slot;
    checkpoint.known = tracker.known.size;
    ctx.pendingIds.set(slot, tracker.known); // saved by source.committed() once durable
  }
  return checkpoint;
}

async function expandLists(ctx: StreamContext, contact: JsonObject): Promise<void> {
  for (const key of EMBEDDED_LISTS) {
    const list = contact[key];
    if (!isObject(list) || list.has_more !== true || typeof list.url !== "string") continue;
    const body = await apiGet(ctx, list.url, { per_page: 150 });
    const data = asArray(body.data ?? body[key]).map((x) => normalize(x));
    contact[key] = { ...list, data, has_more: false, total_count: asNumber(body.total_count) ?? data.length };
  }
}

export const contactsStream: IntercomStream = {
  name: "contacts",
  descriptor: (d) => ({
    name: "contacts",
    primaryKey: ["id"],
    cursorField: "updated_at",
    schema: contactSchema(d.contactCustom),
    syncModes: ["full", "incremental"],
  }),
  read: readContacts,
};
