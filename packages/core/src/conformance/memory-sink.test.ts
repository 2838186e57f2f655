import { memorySink } from "../testing/memory-sink.js";
import { runSinkConformance } from "./suite.js";

let sink = memorySink();
runSinkConformance({
  name: "memorySink",
  async setup() {
    sink = memorySink();
    return { sink, read: async (stream) => sink.tables.get(stream.name) ?? [] };
  },
});
