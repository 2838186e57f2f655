import type { JsonSchema, SourceMessage, StreamDescriptor } from "@sluice/core";
import type { StreamContext } from "../context.js";

/** Schemas of custom attributes discovered from GET /data_attributes. */
export interface DiscoveredSchemas {
  contactCustom: JsonSchema;
  companyCustom: JsonSchema;
  /** From GET /conversations/attributes (2.16). */
  conversationCustom: JsonSchema;
}

export interface IntercomStream {
  readonly name: string;
  descriptor(discovered: DiscoveredSchemas): StreamDescriptor;
  read(ctx: StreamContext): AsyncGenerator<SourceMessage>;
}
