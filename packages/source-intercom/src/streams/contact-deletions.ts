import { type JsonObject, SluiceError, type StateStore, TOMBSTONE_FIELD } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asNumber } from "../normalize.js";
import { cursorList } from "../paginate.js";

/**
 * Contact deletions (Intercom has no deletion feed for contacts, §4.1/§5.4).
 *
 * The contacts state keeps how many contacts are known (`known`) and, in the `idStore`, which
 * ones. An incremental run makes ONE small list call (`GET /contacts?per_page=1`) for
 * `total_count`; `known + new − total` is the number of contacts deleted (or merged away) since
 * the last run. Only when that is positive (or `contactSweep: "always"`) does it sweep: list
 * every contact id and diff against the known set. Each missing id is confirmed with
 * `GET /contacts/{id}`: 404 → deleted, 410 `contact_merged` → merged (the canonical contact the
 * `Link` header names is fetched and emitted as an upsert). Both become tombstones.
 */

/** Where the known contact ids live (a core StateStore), in two alternating slots. */
export interface KnownIds {
  ids: Set<string>;
  /** Slot the current checkpoint points at (0/1), if any. */
  slot: number | undefined;
}

const slotKey = (slot: number) => `contacts/known-ids/${slot}`;

export async function loadKnownIds(ctx: StreamContext): Promise<KnownIds | undefined> {
  const store = ctx.opts.idStore;
  const slot = asNumber(ctx.state?.ids_slot);
  if (!store || slot === undefined) return undefined;
  const saved = await store.load(slotKey(slot), ctx.signal);
  if (!saved || typeof saved.ids !== "string") return undefined;
  const ids = new Set(saved.ids.length > 0 ? saved.ids.split(",") : []);
  // a slot that does not match the checkpoint (a run that failed after writing it) is not trusted
  if (asNumber(saved.count) !== ids.size || asNumber(ctx.state?.known) !== ids.size) return undefined;
  return { ids, slot };
}

/** The slot the next checkpoint points at: the one the current checkpoint does NOT use. */
export function nextSlot(current: number | undefined): number {
  return current === 0 ? 1 : 0;
}

/**
 * Writes an id set into its slot. Called from `source.committed()`, i.e. only once the data and
 * the checkpoint naming this slot are durable: an aborted run leaves nothing behind, and a crash
 * in between leaves a slot that does not match the checkpoint (not trusted: one sweep rebuilds it).
 */
export async function saveKnownIds(store: StateStore, slot: number, ids: Set<string>): Promise<void> {
  await store.save(slotKey(slot), { ids: [...ids].join(","), count: ids.size });
}

/** `total_count` of GET /contacts (merged and deleted contacts are not counted). One call. */
export async function contactTotal(ctx: StreamContext): Promise<number> {
  const body = await apiGet(ctx, "/contacts", { per_page: 1 });
  const total = asNumber(body.total_count);
  if (total === undefined) {
    throw new SluiceError("http_error", "GET /contacts returned no total_count; cannot detect deletions");
  }
  return total;
}

/** Every live contact id (the sweep). ceil(total / perPage) calls. */
export async function listContactIds(ctx: StreamContext): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of cursorList(ctx, "/contacts", "data")) {
    for (const c of page.items) if (c.id != null) ids.add(String(c.id));
  }
  return ids;
}

export interface Gone {
  tombstone: JsonObject;
  /** For a merged contact: its canonical contact, to upsert. */
  canonical?: JsonObject;
}

/** Confirms a missing id: 404 → deleted, 410 → merged (the canonical contact is fetched). */
export async function confirmGone(ctx: StreamContext, id: string, seenAt: number): Promise<Gone | undefined> {
  const tombstone: JsonObject = { id, [TOMBSTONE_FIELD]: true, deleted_at: seenAt, reason: "deleted" };
  const res = await ctx.client.request<JsonObject>({
    method: "GET",
    path: `/contacts/${encodeURIComponent(id)}`,
    signal: ctx.signal,
    reporter: ctx.reporter,
    acceptStatus: [404, 410],
  });
  if (res.status === 404) return { tombstone };
  if (res.status !== 410) return undefined; // still there (hidden from the list): not deleted
  tombstone.reason = "merged";
  // 2.16: `Link: </contacts/{canonical}>; rel="canonical"` (resolves up to 3 merge hops)
  const link = res.headers.get("link") ?? "";
  const m = /<[^>]*\/contacts\/([^>/?#]+)>\s*;\s*rel="?canonical"?/i.exec(link);
  const canonicalId = m?.[1] ? decodeURIComponent(m[1]) : undefined;
  if (canonicalId === undefined) return { tombstone };
  tombstone.merged_into = canonicalId;
  const canonical = await ctx.client.request<JsonObject>({
    method: "GET",
    path: `/contacts/${encodeURIComponent(canonicalId)}`,
    signal: ctx.signal,
    reporter: ctx.reporter,
    acceptStatus: [404, 410],
  });
  return canonical.status === 200 && canonical.body
    ? { tombstone, canonical: canonical.body }
    : { tombstone };
}
