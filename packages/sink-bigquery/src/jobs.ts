/** Waiting for BigQuery jobs, and running the upsert MERGE as a query job. */
import { randomUUID } from "node:crypto";
import { type SluiceError, sleep } from "@sluice/core";
import type { Connection } from "./client.js";
import { apiError, type ErrorProto, jobError } from "./errors.js";

export interface DoneJob {
  jobId: string;
  statistics: Record<string, unknown>;
}

interface JobStatus {
  state?: string;
  errorResult?: ErrorProto;
  errors?: ErrorProto[];
}

/** A job id BigQuery accepts: `sluice_<what>_<uuid>` (letters, digits, `_`, `-`). */
export function newJobId(what: string): string {
  return `sluice_${what.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 100)}_${randomUUID().replace(/-/g, "")}`;
}

/** Polls `jobs.get` until DONE; a job with `errorResult` becomes a Sluice error (job id, reasons). */
export async function waitForJob(
  conn: Connection,
  jobId: string,
  location: string,
  what: string,
  stream: string,
  signal: AbortSignal,
  pollMs: number,
  first?: { status?: JobStatus; statistics?: Record<string, unknown> },
): Promise<DoneJob> {
  let metadata = first;
  let delay = pollMs;
  while (metadata?.status?.state !== "DONE") {
    if (metadata) {
      await sleep(delay, signal);
      delay = Math.min(5000, Math.round(delay * 1.5));
    }
    try {
      [metadata] = (await conn.bq.job(jobId, { location }).getMetadata()) as unknown as [typeof metadata];
    } catch (error) {
      const e = apiError(error, `BigQuery ${what} job ${jobId}`, stream);
      if (!e.retryable) throw e;
      metadata = {};
    }
  }
  if (metadata.status?.errorResult) throw jobError(jobId, what, metadata.status, stream);
  return { jobId, statistics: metadata.statistics ?? {} };
}

/** Runs one SQL statement as a query job and waits for it. */
export async function runQueryJob(
  conn: Connection,
  sql: string,
  location: string,
  what: string,
  stream: string,
  signal: AbortSignal,
  pollMs: number,
): Promise<DoneJob> {
  const jobId = newJobId(what);
  let created: { status?: JobStatus; statistics?: Record<string, unknown> } | undefined;
  try {
    const [job] = await conn.bq.createQueryJob({ query: sql, location, jobId, useLegacySql: false });
    created = job.metadata as typeof created;
  } catch (error) {
    throw withJob(apiError(error, `BigQuery ${what} job ${jobId}`, stream), jobId);
  }
  return waitForJob(conn, jobId, location, what, stream, signal, pollMs, created);
}

function withJob(e: SluiceError, jobId: string): SluiceError {
  Object.assign(e.details, { jobId });
  return e;
}
