/**
 * A local BigQuery REST API for tests and benchmarks (dev only): datasets, tables, load jobs
 * over multipart and resumable uploads with schema validation and atomic write dispositions,
 * tabledata.list, and a small query subset (COUNT, SELECT, the sink's MERGE, DROP TABLE).
 */
import { parseOptions } from "@sluice/core";
import { z } from "zod";
import type { LoadJobFault } from "./jobs.js";
import type { StoredRow } from "./schema.js";
import { BigQueryServer, type RequestFault } from "./server.js";

export type { LoadJobFault } from "./jobs.js";
export type { FieldSchema, Stored, StoredRow } from "./schema.js";
export type { RequestFault } from "./server.js";

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default("127.0.0.1"),
  /** How long a job stays RUNNING before it is applied (0 = done in the insert reply). */
  jobDelayMs: z.number().int().min(0).default(0),
});
export type BigQuerySimulatorOptions = z.input<typeof optionsSchema>;

export interface BigQuerySimulator {
  /** `http://127.0.0.1:PORT`: pass as the client's `apiEndpoint`. */
  readonly url: string;
  /** Rows of a table as stored (INTEGER as strings, TIMESTAMP as bigint µs, JSON parsed), or undefined. */
  rows(projectId: string, datasetId: string, tableId: string): readonly StoredRow[] | undefined;
  /** Table ids of a dataset (expired tables dropped). */
  tables(projectId: string, datasetId: string): string[];
  /** Requests served, by route key (`POST /upload`, `PUT /upload`, `GET /jobs/{j}`...). */
  requests(): Record<string, number>;
  /** Resumable sessions started and neither finished nor cancelled. */
  openUploads(): number;
  /** The next matching requests fail with this HTTP status and reason. */
  injectFaults(faults: RequestFault[]): void;
  /** The next load jobs finish DONE with this errorResult reason. */
  failLoadJobs(fault: LoadJobFault): void;
  close(): Promise<void>;
}

export async function startBigQuerySimulator(
  options: BigQuerySimulatorOptions = {},
): Promise<BigQuerySimulator> {
  const opts = parseOptions(optionsSchema, options, "BigQuery simulator options");
  const server = new BigQueryServer(opts.jobDelayMs);
  const url = await server.listen(opts.port, opts.host);
  return {
    url,
    rows(p, d, t) {
      try {
        return server.store.findTable(p, d, t)?.rows;
      } catch {
        return undefined;
      }
    },
    tables(p, d) {
      try {
        return server.store.liveTables(server.store.dataset(p, d)).map((t) => t.tableId);
      } catch {
        return [];
      }
    },
    requests: () => ({ ...server.requests }),
    openUploads: () => server.uploads.openSessions,
    injectFaults: (faults) => server.faults.push(...faults.map((f) => ({ ...f }))),
    failLoadJobs: (fault) => server.jobs.loadFaults.push({ ...fault }),
    close: () => server.close(),
  };
}
