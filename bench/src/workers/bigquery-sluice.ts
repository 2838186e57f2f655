/** Worker: the intercom-bigquery sync (source-intercom → sink-bigquery, streaming) against both simulators. */
import { syncIntercomToBigQuery } from "@sluice/intercom-bigquery";
import { stopwatch, worker } from "../harness/worker.js";

export interface BigQuerySluiceParams {
  intercomUrl: string;
  token: string;
  bigqueryUrl: string;
  project: string;
  dataset: string;
  entities: string[];
}
export interface BigQuerySluiceResult {
  ms: number;
  /** CPU time of the worker process (user + system), ms: independent of machine load. */
  cpuMs?: number;
  records: Record<string, number>;
}

worker<BigQuerySluiceParams, BigQuerySluiceResult>(async (p) => {
  const elapsed = stopwatch();
  const summary = await syncIntercomToBigQuery(
    {
      intercom: { accessToken: p.token, entities: p.entities as never },
      bq: { project_id: p.project, dataset_id: p.dataset, location: "US" },
    },
    {
      intercomApiUrl: p.intercomUrl,
      bigqueryApiEndpoint: p.bigqueryUrl,
      createDataset: true,
      writeMode: "replace",
      resumeWindowMs: 6 * 3600_000,
    },
  );
  const cpu = process.cpuUsage();
  return {
    ms: elapsed(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    records: Object.fromEntries(summary.entities.map((e) => [e.entity, e.records])),
  };
});
