/** A sink that counts records and drops them: measures a source alone, in constant memory. */
import type { JsonObject, Sink, SinkWriter } from "@sluice/core";

export function countingSink(counts: Map<string, number>): Sink {
  return {
    name: "bench_counter",
    async check() {},
    async open(stream): Promise<SinkWriter> {
      let n = 0;
      return {
        async write(records: JsonObject[]) {
          n += records.length;
        },
        async commit() {
          counts.set(stream.name, (counts.get(stream.name) ?? 0) + n);
          return { records: n };
        },
        async abort() {},
      };
    },
  };
}
