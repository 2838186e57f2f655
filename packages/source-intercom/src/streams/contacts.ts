import type { JsonObject, SourceMessage } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, asNumber, isObject, normalize } from "../normalize.js";
import { cursorList, type Page, searchPages } from "../paginate.js";
import { contactSchema } from "../schemas.js";
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
 * Checkpoint `{ updated_at: max seen }` at the end (and every `checkpointEveryPages` search pages:
 * with ascending order everything below the max has been emitted).
 * Embedded lists (tags/notes/companies) are kept as Intercom sends them (≤ 10 items, `has_more`);
 * `expandContactLists` replaces them by the full list (one extra call per truncated list).
 */
async function* readContacts(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  const previous = watermarkOf(ctx);
  const incremental = ctx.syncMode === "incremental" && previous !== undefined;
  const since = incremental ? Math.max(0, previous - ctx.opts.lagSeconds) : undefined;
  let max = previous ?? 0;
  let pages: AsyncGenerator<Page>;
  if (since !== undefined) {
    const query = {
      operator: "OR",
      value: [
        { field: "updated_at", operator: "=", value: since },
        { field: "updated_at", operator: ">", value: since },
      ],
    };
    pages = searchPages(ctx, "/contacts/search", "data", query, { field: "updated_at", order: "ascending" });
    ctx.logger.info(
      { since, checkpoint: previous, lagSeconds: ctx.opts.lagSeconds },
      "contacts: incremental search",
    );
  } else {
    pages = cursorList(ctx, "/contacts", "data");
  }
  let pageNo = 0;
  let dropped = 0;
  for await (const page of pages) {
    pageNo++;
    if (pageNo === 1 && page.totalCount !== undefined) ctx.reporter.setTotal(page.totalCount);
    const records: JsonObject[] = [];
    for (const item of page.items) {
      const contact = normalize(item);
      const updated = asNumber(contact.updated_at);
      if (since !== undefined && updated !== undefined && updated < since) {
        dropped++;
        continue;
      }
      if (updated !== undefined && updated > max) max = updated;
      if (ctx.opts.expandContactLists) await expandLists(ctx, contact);
      records.push(contact);
    }
    if (records.length > 0) yield { kind: "records", records };
    if (since !== undefined && pageNo % ctx.opts.checkpointEveryPages === 0 && max > 0) {
      yield { kind: "checkpoint", checkpoint: { updated_at: max } };
    }
  }
  if (dropped > 0)
    ctx.logger.debug({ dropped, since }, "contacts: dropped search results older than the watermark");
  if (max > 0) yield { kind: "checkpoint", checkpoint: { updated_at: max } };
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
