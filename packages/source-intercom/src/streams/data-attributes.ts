import type { JsonObject, SourceMessage } from "@sluice/core";
import { apiGet, type StreamContext } from "../context.js";
import { asArray, normalize } from "../normalize.js";
import { dataAttributeSchema } from "../schemas.js";
import type { IntercomStream } from "./types.js";

export const DATA_ATTRIBUTE_MODELS = ["contact", "company"] as const;

/** GET /data_attributes?model=…&include_archived=true for one model (§4.9; 2.16 allows contact/company). */
export async function fetchDataAttributes(
  ctx: Pick<StreamContext, "client" | "signal" | "reporter">,
  model: (typeof DATA_ATTRIBUTE_MODELS)[number],
): Promise<JsonObject[]> {
  const body = await apiGet(ctx as StreamContext, "/data_attributes", { model, include_archived: "true" });
  return asArray(body.data).map((a) => ({ ...a, model: typeof a.model === "string" ? a.model : model }));
}

async function* readDataAttributes(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  for (const model of DATA_ATTRIBUTE_MODELS) {
    const records = (await fetchDataAttributes(ctx, model)).map((r) => normalize(r));
    // standard attributes have no id: key them by model + full name
    for (const r of records) if (r.id == null) r.id = `${model}:${String(r.full_name ?? r.name)}`;
    if (records.length > 0) yield { kind: "records", records };
  }
}

/**
 * Data attributes of contacts and companies, archived included. Custom attributes have an
 * integer id (normalised to a string); standard ones get the id "<model>:<full_name>".
 */
export const dataAttributesStream: IntercomStream = {
  name: "data_attributes",
  descriptor: () => ({
    name: "data_attributes",
    primaryKey: ["id"],
    schema: dataAttributeSchema(),
    syncModes: ["full"],
  }),
  read: readDataAttributes,
};
