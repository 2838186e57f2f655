/**
 * The sink conformance suite against real BigQuery (the CD job `bigquery-live`). Skipped unless
 * BIGQUERY_LIVE_PROJECT is set; credentials come from the Google auth chain
 * (GOOGLE_APPLICATION_CREDENTIALS in CI). Every test gets its own dataset, deleted afterwards.
 */
import { BigQuery } from "@google-cloud/bigquery";
import { runSinkConformance } from "@sluice/core/conformance";
import { describe, it } from "vitest";
import { bigQuerySink } from "./sink.js";
import { readTable, uniqueDataset } from "./test-support.js";

const project = process.env.BIGQUERY_LIVE_PROJECT;
const location = process.env.BIGQUERY_LIVE_LOCATION || "US";

if (project) {
  runSinkConformance({
    name: `bigQuerySink (real BigQuery, ${project})`,
    async setup() {
      const dataset = uniqueDataset();
      const client = new BigQuery({ projectId: project, location });
      const sink = bigQuerySink({ projectId: project, dataset, location, createDataset: true });
      return {
        sink,
        read: (stream) => readTable(client, dataset, stream.name),
        cleanup: async () => {
          await client.dataset(dataset).delete({ force: true });
        },
      };
    },
  });
} else {
  describe("bigQuerySink against real BigQuery", () => {
    it.skip("needs BIGQUERY_LIVE_PROJECT and Google credentials (the CD job bigquery-live)", () => undefined);
  });
}
