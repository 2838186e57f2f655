import type { JsonObject, SourceMessage } from "@sluice/core";
import type { StreamContext } from "../context.js";
import { asNumber, normalize } from "../normalize.js";
import { cursorList, type Page, searchPages } from "../paginate.js";
import { contactSchema } from "../schemas.js";
import type { IntercomStream } from "./types.js";

/**
 * `users` and `leads`: views of the contacts stream by `role` (API 2.x has one contact model;
 * the 1.x "users" and "leads" (once called "contacts") are its `role: "user"` and
 * `role: "lead"`). Records are contacts, unchanged.
 * - full: `GET /contacts` (the complete list; search can lag behind new contacts), keeping the role.
 * - incremental: `POST /contacts/search` with `role = R AND (updated_at = W OR updated_at > W)`,
 *   ascending (the contacts stream's day-granular trick, W = checkpoint − lag), cursor
 *   `{updated_at: max seen}`.
 * Reading both views costs the contact list twice in full mode; select `contacts` when one table
 * of every contact will do.
 */
async function* readRole(ctx: StreamContext, role: "user" | "lead"): AsyncGenerator<SourceMessage> {
  const previous = asNumber(ctx.state?.updated_at);
  const incremental = ctx.syncMode === "incremental" && previous !== undefined && previous > 0;
  const since = incremental ? Math.max(0, previous - ctx.opts.lagSeconds) : undefined;
  const pages: AsyncGenerator<Page> =
    since === undefined
      ? cursorList(ctx, "/contacts", "data")
      : searchPages(
          ctx,
          "/contacts/search",
          "data",
          {
            operator: "AND",
            value: [
              { field: "role", operator: "=", value: role },
              {
                operator: "OR",
                value: [
                  { field: "updated_at", operator: "=", value: since },
                  { field: "updated_at", operator: ">", value: since },
                ],
              },
            ],
          },
          { field: "updated_at", order: "ascending" },
        );
  let max = previous ?? 0;
  for await (const page of pages) {
    const records: JsonObject[] = [];
    for (const item of page.items) {
      if (item.role !== role) continue; // before normalising: half the list is the other view's
      const contact = normalize(item);
      const updated = asNumber(contact.updated_at);
      if (since !== undefined && updated !== undefined && updated < since) continue;
      if (updated !== undefined && updated > max) max = updated;
      records.push(contact);
    }
    if (records.length > 0) yield { kind: "records", records };
  }
  if (max > 0) yield { kind: "checkpoint", checkpoint: { updated_at: max } };
}

function roleView(name: string, role: "user" | "lead"): IntercomStream {
  return {
    name,
    descriptor: (d) => ({
      name,
      primaryKey: ["id"],
      cursorField: "updated_at",
      schema: contactSchema(d.contactCustom),
      syncModes: ["full", "incremental"],
    }),
    read: (ctx) => readRole(ctx, role),
  };
}

/** Contacts with `role: "user"`. */
export const usersView: IntercomStream = roleView("users", "user");
/** Contacts with `role: "lead"` (the old "contacts"). */
export const leadsView: IntercomStream = roleView("leads", "lead");
