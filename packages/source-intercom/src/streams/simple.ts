import type { JsonObject, QueryValue, SourceMessage } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, normalize } from "../normalize.js";

/** One GET of an unpaginated list endpoint (admins, teams, tags), emitted as one batch. */
export async function* singleList(
  ctx: StreamContext,
  path: string,
  itemsKey: string,
  query?: Record<string, QueryValue>,
): AsyncGenerator<SourceMessage> {
  const body = await apiGet(ctx, path, query);
  const records = asArray(body[itemsKey]).map((r) => normalize(r as JsonObject));
  ctx.reporter.setTotal(records.length);
  if (records.length > 0) yield { kind: "records", records };
}
