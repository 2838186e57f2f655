import type { Logger, RunReport } from "@sluice/core";
import type { JobConfig } from "./env.js";
import { syncIntercomToBigQuery } from "./sync.js";

/** The job: the same sync as the function, its summary shaped as a run report for runTask. */
export async function runJob(
  config: JobConfig,
  ctx: { signal: AbortSignal; logger: Logger },
): Promise<RunReport> {
  const started = new Date();
  const summary = await syncIntercomToBigQuery(config.request, config.settings, ctx);
  const finished = new Date();
  return {
    runId: summary.runId,
    source: "intercom",
    sink: "bigquery",
    status: "succeeded",
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    records: summary.entities.reduce((n, e) => n + e.records, 0),
    bytes: 0,
    streams: [],
  };
}
