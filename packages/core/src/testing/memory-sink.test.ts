import { runSinkConformance } from "./conformance.js";
import { memorySink } from "./memory-sink.js";

let sink = memorySink();
runSinkConformance({
  name: "memorySink",
  async setup() {
    sink = memorySink();
    return { sink, read: async (stream) => sink.tables.get(stream.name) ?? [] };
  },
});
