/** A minimal Sluice Source over the lazy generator: one stream, batches made on demand. */
import type { JsonObject, Source, SourceMessage, StreamDescriptor } from "@sluice/core";
import { contactBatches } from "./contacts.js";

export function generatedSource(options: { stream: string; count: number; batchSize?: number }): Source {
  const descriptor: StreamDescriptor = { name: options.stream, primaryKey: ["id"] };
  return {
    name: "bench_generator",
    async check() {},
    async discover() {
      return [descriptor];
    },
    async *read(stream: string): AsyncIterable<SourceMessage> {
      if (stream !== options.stream) throw new Error(`unknown stream ${stream}`);
      for (const records of contactBatches(options.count, options.batchSize ?? 1000)) {
        yield { kind: "records", records: records as JsonObject[] };
      }
    },
  };
}
