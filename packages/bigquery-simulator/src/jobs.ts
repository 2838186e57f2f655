/**
 * Jobs: load jobs (applied atomically at completion, only on success) and query jobs. A job is
 * RUNNING for `jobDelayMs` after insert (0 = done in the insert reply), then DONE with either
 * statistics or BigQuery's `status.errorResult` + `status.errors`.
 */
import { randomUUID } from "node:crypto";
import { ApiError, duplicate, type ErrorProto, invalid, notFound } from "./errors.js";
import type { LoadConfig, NdjsonLoader } from "./load.js";
import { type QueryResult, runQuery } from "./query.js";
import { type FieldSchema, type StoredRow, schemaProblem } from "./schema.js";
import type { Store, Table } from "./store.js";

export interface JobResource {
  kind: "bigquery#job";
  id: string;
  jobReference: { projectId: string; jobId: string; location: string };
  configuration: { jobType: "LOAD" | "QUERY"; load?: LoadConfig; query?: Record<string, unknown> };
  status: { state: "PENDING" | "RUNNING" | "DONE"; errorResult?: ErrorProto; errors?: ErrorProto[] };
  statistics: Record<string, unknown>;
}

export interface JobRecord {
  resource: JobResource;
  result?: QueryResult;
}

/** A failure injected into the next load jobs (e.g. `backendError`, `rateLimitExceeded`). */
export interface LoadJobFault {
  reason: string;
  message?: string;
  count: number;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

export class Jobs {
  private readonly jobs = new Map<string, JobRecord>();
  readonly loadFaults: LoadJobFault[] = [];

  constructor(
    private readonly store: Store,
    private readonly jobDelayMs: number,
  ) {}

  get(projectId: string, jobId: string): JobRecord {
    const job = this.jobs.get(`${projectId}:${jobId}`);
    if (!job) throw notFound(`Job ${projectId}:${jobId}`);
    return job;
  }

  /** Registers a job (jobId from the request or generated); 409 when the id is taken. */
  private register(projectId: string, body: Record<string, unknown>, jobType: "LOAD" | "QUERY"): JobRecord {
    const ref = (body.jobReference ?? {}) as { jobId?: string; location?: string };
    const jobId = ref.jobId ?? `job_${randomUUID().replace(/-/g, "")}`;
    if (!JOB_ID.test(jobId)) throw invalid(`Invalid job ID "${jobId}".`);
    const location = ref.location ?? "US";
    if (this.jobs.has(`${projectId}:${jobId}`)) throw duplicate(`Job ${projectId}:${location}.${jobId}`);
    const config = (body.configuration ?? {}) as Record<string, unknown>;
    const now = String(Date.now());
    const record: JobRecord = {
      resource: {
        kind: "bigquery#job",
        id: `${projectId}:${location}.${jobId}`,
        jobReference: { projectId, jobId, location },
        configuration: { ...config, jobType } as JobResource["configuration"],
        status: { state: "RUNNING" },
        statistics: { creationTime: now, startTime: now },
      },
    };
    this.jobs.set(`${projectId}:${jobId}`, record);
    return record;
  }

  private finish(record: JobRecord, apply: () => void): void {
    const run = () => {
      try {
        apply();
      } catch (error) {
        const e = error instanceof ApiError ? error : new ApiError(500, "internalError", String(error));
        const proto = { reason: e.reason, message: e.message };
        record.resource.status = { state: "DONE", errorResult: proto, errors: [proto] };
      }
      if (record.resource.status.state !== "DONE") record.resource.status = { state: "DONE" };
      record.resource.statistics.endTime = String(Date.now());
    };
    if (this.jobDelayMs > 0) setTimeout(run, this.jobDelayMs).unref();
    else run();
  }

  insertLoad(projectId: string, body: Record<string, unknown>, loader: NdjsonLoader): JobResource {
    const record = this.register(projectId, body, "LOAD");
    const cfg = record.resource.configuration.load ?? {};
    this.finish(record, () => {
      const fault = this.loadFaults[0];
      if (fault) {
        if (--fault.count <= 0) this.loadFaults.shift();
        throw new ApiError(500, fault.reason, fault.message ?? `Injected ${fault.reason}`);
      }
      const loaded = applyLoad(this.store, projectId, cfg, loader);
      if ("errorResult" in loaded) {
        record.resource.status = { state: "DONE", ...loaded };
        record.resource.statistics.load = { badRecords: String(loader.badRecords), outputRows: "0" };
        return;
      }
      record.resource.statistics.load = {
        inputFiles: "1",
        inputFileBytes: String(loader.bytes),
        outputRows: String(loaded.outputRows),
        outputBytes: String(loader.bytes),
        badRecords: String(loader.badRecords),
      };
      if (loader.rowErrors.length > 0) record.resource.status = { state: "DONE", errors: loader.rowErrors };
    });
    return record.resource;
  }

  insertQuery(projectId: string, body: Record<string, unknown>): JobRecord {
    const record = this.register(projectId, body, "QUERY");
    const q = (record.resource.configuration.query ?? {}) as { query?: string; useLegacySql?: boolean };
    this.finish(record, () => {
      if (q.useLegacySql === true) throw new ApiError(400, "invalidQuery", "Legacy SQL is not supported");
      const result = runQuery(this.store, q.query ?? "", projectId);
      record.result = result;
      record.resource.statistics.query =
        result.kind === "dml"
          ? {
              statementType: "MERGE",
              numDmlAffectedRows: String(result.affected),
              dmlStats: {
                insertedRowCount: String(result.inserted),
                updatedRowCount: String(result.updated),
                deletedRowCount: String(result.deleted),
              },
            }
          : { statementType: "SELECT", totalBytesProcessed: "0" };
    });
    return record;
  }
}

function fillMissing(schema: FieldSchema[], row: StoredRow): StoredRow {
  const out: StoredRow = {};
  for (const f of schema) out[f.name] = row[f.name] ?? (f.mode === "REPEATED" ? [] : null);
  return out;
}

/** Append-time schema check: new fields (also inside RECORDs) need ALLOW_FIELD_ADDITION; existing ones keep their type. */
function appendSchema(t: Table, given: FieldSchema[] | undefined, options: string[]): FieldSchema[] {
  if (!given) return t.schema;
  const name = `${t.projectId}:${t.datasetId}.${t.tableId}`;
  const merge = (old: FieldSchema[], next: FieldSchema[], path: string): FieldSchema[] => {
    const merged = [...old];
    for (const f of next) {
      const i = merged.findIndex((x) => x.name.toLowerCase() === f.name.toLowerCase());
      const prev = merged[i];
      if (!prev) {
        if (!options.includes("ALLOW_FIELD_ADDITION"))
          throw invalid(
            `Provided Schema does not match Table ${name}. Cannot add fields (field: ${path}${f.name})`,
          );
        merged.push({ ...f, mode: f.mode === "REQUIRED" ? "NULLABLE" : f.mode });
      } else if (prev.type.toUpperCase() !== f.type.toUpperCase()) {
        throw invalid(
          `Provided Schema does not match Table ${name}. Field ${path}${f.name} has changed type from ${prev.type} to ${f.type}`,
        );
      } else if (prev.fields && f.fields) {
        merged[i] = { ...prev, fields: merge(prev.fields, f.fields, `${path}${f.name}.`) };
      }
    }
    return merged;
  };
  return merge(t.schema, given, "");
}

function applyLoad(
  store: Store,
  projectId: string,
  cfg: LoadConfig,
  loader: NdjsonLoader,
): { outputRows: number } | { errorResult: ErrorProto; errors: ErrorProto[] } {
  const dest = cfg.destinationTable ?? {};
  const p = dest.projectId ?? projectId;
  if (!dest.datasetId || !dest.tableId) throw invalid("Required parameter is missing: destinationTable");
  store.dataset(p, dest.datasetId);
  const format = cfg.sourceFormat ?? "CSV";
  if (format !== "NEWLINE_DELIMITED_JSON")
    throw invalid(
      `sourceFormat ${format} is not supported by the BigQuery simulator (NEWLINE_DELIMITED_JSON only)`,
    );
  const verdict = loader.verdict(cfg.maxBadRecords ?? 0);
  if (verdict) return verdict;
  const existing = store.findTable(p, dest.datasetId, dest.tableId);
  if (!existing && cfg.createDisposition === "CREATE_NEVER")
    throw notFound(`Table ${p}:${dest.datasetId}.${dest.tableId}`);
  const given = cfg.schema?.fields;
  const schema = given ?? existing?.schema;
  if (!schema || schema.length === 0) throw invalid("No schema specified on job or table.");
  const problem = schemaProblem(schema);
  if (problem) throw invalid(problem);
  const disposition = cfg.writeDisposition ?? "WRITE_APPEND";
  const layout = { timePartitioning: cfg.timePartitioning, clustering: cfg.clustering };
  if (!existing) {
    store.createTable(p, dest.datasetId, dest.tableId, {
      schema,
      rows: loader.rows.map((r) => fillMissing(schema, r)),
      ...layout,
    });
  } else if (disposition === "WRITE_TRUNCATE") {
    store.swap(
      existing,
      loader.rows.map((r) => fillMissing(schema, r)),
      schema,
    );
    Object.assign(existing, layout);
  } else if (disposition === "WRITE_EMPTY" && existing.rows.length > 0) {
    throw duplicate(`Table ${p}:${dest.datasetId}.${dest.tableId}`);
  } else {
    const merged = appendSchema(existing, given, cfg.schemaUpdateOptions ?? []);
    const rows = [...existing.rows, ...loader.rows].map((r) => fillMissing(merged, r));
    store.swap(existing, rows, merged);
  }
  return { outputRows: loader.rows.length };
}
