import { type BigQuerySimulator, startBigQuerySimulator } from "@sluice/bigquery-simulator";
import { runSinkConformance } from "@sluice/core/conformance";
import { bigQuerySink } from "./sink.js";
import { PROJECT, readTable, simulatorClient, uniqueDataset } from "./test-support.js";

runSinkConformance({
  name: "bigQuerySink (BigQuery simulator)",
  async setup() {
    const sim: BigQuerySimulator = await startBigQuerySimulator({ jobDelayMs: 5 });
    const dataset = uniqueDataset();
    const client = simulatorClient(sim.url);
    const sink = bigQuerySink({
      projectId: PROJECT,
      dataset,
      apiEndpoint: sim.url,
      auth: "none",
      createDataset: true,
      pollMs: 10,
    });
    return {
      sink,
      read: (stream) => readTable(client, dataset, stream.name),
      // the next load job finishes DONE with errorResult backendError
      breakNextCommit: async () => sim.failLoadJobs({ reason: "backendError", count: 1 }),
      cleanup: () => sim.close(),
    };
  },
});
