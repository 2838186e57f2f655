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

/** What jobs.insert / jobs.get / an upload reply carry that we read. */
export interface JobMetadata {
  status?: JobStatus;
  statistics?: Record<string, unknown>;
}

/** A job id BigQuery accepts: `sluice_<what>_<uuid>` (letters, digits, `_`, `-`). */
export function newJobId(what: string): string {
  return `sluice_${what.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 100)}_${randomUUID().replace(/-/g, "")}`;
}

/** Where and how jobs run: connection, location, the stream named in errors, cancellation, polling. */
export interface JobContext {
  conn: Connection;
  location: string;
  stream: string;
  signal: AbortSignal;
  pollMs: number;
}

/** Consecutive failed polls tolerated (transient errors) before giving up. */
const MAX_POLL_FAILURES = 8;

/**
 * Polls `jobs.get` until DONE (the interval grows ×1.5 up to 5 s); a job with `errorResult`
 * becomes a Sluice error naming the job and BigQuery's reasons.
 */
export async function waitForJob(
  ctx: JobContext,
  jobId: string,
  what: string,
  first?: JobMetadata,
): Promise<DoneJob> {
  let metadata = first;
  let delay = ctx.pollMs;
  let failures = 0;
  while (metadata?.status?.state !== "DONE") {
    if (metadata) {
      await sleep(delay, ctx.signal);
      delay = Math.min(5000, Math.round(delay * 1.5));
    }
    try {
      [metadata] = (await ctx.conn.bq.job(jobId, { location: ctx.location }).getMetadata()) as unknown as [
        JobMetadata,
      ];
      failures = 0;
    } catch (error) {
      const e = apiError(error, `BigQuery ${what} job ${jobId}`, ctx.stream);
      if (!e.retryable || ++failures > MAX_POLL_FAILURES) throw withJob(e, jobId);
      metadata = {};
    }
  }
  if (metadata.status?.errorResult) throw jobError(jobId, what, metadata.status, ctx.stream);
  return { jobId, statistics: metadata.statistics ?? {} };
}

/** Runs one SQL statement as a query job and waits for it. */
export async function runQueryJob(ctx: JobContext, sql: string, what: string): Promise<DoneJob> {
  const jobId = newJobId(what);
  let created: JobMetadata | undefined;
  try {
    const [job] = await ctx.conn.bq.createQueryJob({
      query: sql,
      location: ctx.location,
      jobId,
      useLegacySql: false,
    });
    created = job.metadata as JobMetadata;
  } catch (error) {
    throw withJob(apiError(error, `BigQuery ${what} job ${jobId}`, ctx.stream), jobId);
  }
  return waitForJob(ctx, jobId, what, created);
}

function withJob(e: SluiceError, jobId: string): SluiceError {
  Object.assign(e.details, { jobId });
  return e;
}
