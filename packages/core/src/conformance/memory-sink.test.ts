import { SinkError } from "../errors.js";
import { memorySink } from "../testing/memory-sink.js";
import { runSinkConformance } from "./suite.js";

runSinkConformance({
  name: "memorySink",
  persistsCheckpoint: true,
  async setup() {
    let broken = false;
    const sink = memorySink({
      persistCheckpoint: true,
      commitFault: () => {
        if (!broken) return undefined;
        broken = false;
        return new SinkError("injected commit failure");
      },
    });
    return {
      sink,
      read: async (stream) => sink.tables.get(stream.name) ?? [],
      readCheckpoint: async (key) => sink.checkpoints.get(key),
      async breakNextCommit() {
        broken = true;
      },
    };
  },
});
