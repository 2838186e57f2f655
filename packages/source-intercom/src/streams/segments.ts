import type { JsonObject, SourceMessage } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, asNumber, isObject, normalize } from "../normalize.js";
import { segmentSchema } from "../schemas.js";
import type { IntercomStream } from "./types.js";

/**
 * GET /segments?include_count=true (§4.7). Usually one response; "may also have a pages object
 * if paginated" — follow `pages.next` (a URL or an object) or `page < total_pages`.
 */
async function* readSegments(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  let path = "/segments";
  let query: Record<string, string | number> = { include_count: "true" };
  const seen = new Set<string>();
  let total = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const body = await apiGet(ctx, path, query);
    const records = asArray(body.segments).map((r) => normalize(r as JsonObject));
    total += records.length;
    if (records.length > 0) yield { kind: "records", records };
    const pages = isObject(body.pages) ? body.pages : undefined;
    if (!pages || records.length === 0) break;
    const next = pages.next;
    if (typeof next === "string" && next.length > 0) {
      if (seen.has(next)) break;
      seen.add(next);
      path = next;
      query = {};
      continue;
    }
    const page = asNumber(pages.page);
    const totalPages = asNumber(pages.total_pages);
    if (page !== undefined && totalPages !== undefined && page < totalPages) {
      path = "/segments";
      query = { include_count: "true", page: page + 1 };
      continue;
    }
    break;
  }
  ctx.reporter.setTotal(total);
}

export const segmentsStream: IntercomStream = {
  name: "segments",
  descriptor: () => ({ name: "segments", primaryKey: ["id"], schema: segmentSchema(), syncModes: ["full"] }),
  read: readSegments,
};
