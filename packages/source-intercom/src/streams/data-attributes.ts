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

/**
 * Conversation custom attributes (2.16: GET /conversations/attributes, `model=conversation` of
 * /data_attributes answers 422), in the data-attribute shape: `model: "conversation"`,
 * `custom: true`, `full_name: "custom_attributes.<name>"`, id `conversation:<id>` (their ids
 * are a separate number space).
 */
export async function fetchConversationAttributes(
  ctx: Pick<StreamContext, "client" | "signal" | "reporter">,
): Promise<JsonObject[]> {
  const body = await apiGet(ctx as StreamContext, "/conversations/attributes", { include_archived: "true" });
  return asArray(body.data).map((a) => ({
    ...a,
    id: a.id == null ? null : `conversation:${String(a.id)}`,
    model: "conversation",
    custom: true,
    full_name: `custom_attributes.${String(a.name)}`,
  }));
}

async function* readDataAttributes(ctx: StreamContext): AsyncGenerator<SourceMessage> {
  for (const model of DATA_ATTRIBUTE_MODELS) {
    const records = (await fetchDataAttributes(ctx, model)).map((r) => normalize(r));
    // standard attributes have no id: key them by model + full name
    for (const r of records) if (r.id == null) r.id = `${model}:${String(r.full_name ?? r.name)}`;
    if (records.length > 0) yield { kind: "records", records };
  }
  const conversation = (await fetchConversationAttributes(ctx)).map((r) => normalize(r));
  if (conversation.length > 0) yield { kind: "records", records: conversation };
}

/**
 * Data attributes of contacts, companies and conversations, archived included. Custom attributes
 * have an integer id (normalised to a string; conversation ones "conversation:<id>"); standard
 * ones get the id "<model>:<full_name>".
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
