/**
 * One stream's writer. replace/append: records stream into a resumable upload whose load job
 * (WRITE_TRUNCATE / WRITE_APPEND) starts at commit. upsert: the upload fills an expiring staging
 * table; commit runs one MERGE into the target and drops the staging table.
 */
import {
  type CommitContext,
  type CommitReport,
  ConfigError,
  type JsonObject,
  type OpenOptions,
  SinkError,
  type SinkWriter,
  type StreamDescriptor,
  TOMBSTONE_FIELD,
} from "@sluice/core";
import type { Connection } from "./client.js";
import { encodeRecord } from "./encode.js";
import { apiError } from "./errors.js";
import { type JobContext, newJobId, runQueryJob, waitForJob } from "./jobs.js";
import type { ResolvedOptions } from "./options.js";
import {
  type BigQueryField,
  bigQueryFields,
  type ColumnPlan,
  inferColumns,
  toBigQueryColumns,
} from "./schema-mapping.js";
import { DELETED_COLUMN, mergeStatement, SEQ_COLUMN, unionFields } from "./table-schema.js";
import { ResumableUpload } from "./upload.js";

const INTERNAL: BigQueryField[] = [
  { name: SEQ_COLUMN, type: "INTEGER", mode: "NULLABLE" },
  { name: DELETED_COLUMN, type: "BOOLEAN", mode: "NULLABLE" },
];

export class BigQueryWriter implements SinkWriter {
  private columns?: ColumnPlan[];
  private fields?: BigQueryField[];
  private upload?: ResumableUpload;
  private staging?: string;
  private records = 0;
  private seq = 0;
  private state: "open" | "committing" | "committed" | "aborted" = "open";
  /** Writes run one at a time, in call order; commit and abort wait for them. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conn: Connection,
    private readonly opts: ResolvedOptions,
    private readonly stream: StreamDescriptor,
    private readonly open: OpenOptions,
    private readonly table: string,
  ) {}

  write(records: JsonObject[]): Promise<void> {
    const run = this.queue.then(() => this.writeNow(records));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private refuseUnlessOpen(what: string): void {
    if (this.state !== "open")
      throw new SinkError(`BigQuery writer for ${this.table}: ${what} after ${this.state}`);
  }

  private async writeNow(records: JsonObject[]): Promise<void> {
    this.refuseUnlessOpen("write");
    if (records.length === 0) return;
    const upload = this.upload ?? (await this.start(records));
    const upsert = this.open.mode === "upsert";
    const lines: string[] = [];
    for (const record of records) {
      const tombstone = record[TOMBSTONE_FIELD] === true;
      if (tombstone && !upsert) continue;
      const row = encodeRecord(this.columns!, record, TOMBSTONE_FIELD);
      if (upsert) {
        row[SEQ_COLUMN] = ++this.seq;
        if (tombstone) row[DELETED_COLUMN] = true;
      }
      lines.push(JSON.stringify(row));
      this.records++;
    }
    if (lines.length > 0) await upload.writeLines(lines);
  }

  async commit(_ctx: CommitContext): Promise<CommitReport> {
    await this.queue;
    this.refuseUnlessOpen("commit");
    this.state = "committing";
    const upload = this.upload ?? (await this.start([]));
    const reply = await upload.finish();
    const jobId = reply.jobReference?.jobId ?? "unknown";
    const location = reply.jobReference?.location ?? this.opts.location;
    const load = await waitForJob({ ...this.jobs, location }, jobId, "load", reply);
    const loadStats = (load.statistics.load ?? {}) as { outputRows?: string };
    const details: JsonObject = { jobId, outputRows: Number(loadStats.outputRows ?? 0) };
    if (this.open.mode === "upsert") {
      const merged = await this.merge();
      details.mergeJobId = merged.jobId;
      details.dml = (merged.statistics.query as JsonObject | undefined)?.dmlStats ?? null;
      await this.dropStaging();
    }
    this.state = "committed";
    return {
      records: this.records,
      bytes: upload.bytes,
      location: `${this.opts.projectId}.${this.opts.dataset}.${this.table}`,
      details,
    };
  }

  async abort(_reason: unknown): Promise<void> {
    if (this.state !== "committed") this.state = "aborted";
    await this.queue;
    const upload = this.upload;
    this.upload = undefined;
    await upload?.cancel();
    await this.dropStaging();
  }

  private get jobs(): JobContext {
    const { conn, opts, stream, open } = this;
    return { conn, location: opts.location, stream: stream.name, signal: open.signal, pollMs: opts.pollMs };
  }

  private get dataset() {
    return this.conn.bq.dataset(this.opts.dataset, { location: this.opts.location });
  }

  /** Columns (from the schema, else from the first batch), the staging table if upserting, and the upload. */
  private async start(first: JsonObject[]): Promise<ResumableUpload> {
    this.columns = this.stream.schema ? toBigQueryColumns(this.stream.schema) : inferColumns(first);
    this.fields = bigQueryFields(this.columns);
    let destination = this.table;
    if (this.open.mode === "upsert") destination = await this.createStaging();
    const mode = this.open.mode;
    const layout = this.layoutOptions();
    const job = {
      jobReference: {
        projectId: this.opts.projectId,
        jobId: newJobId(`load_${this.table}`),
        location: this.opts.location,
      },
      configuration: {
        load: {
          destinationTable: {
            projectId: this.opts.projectId,
            datasetId: this.opts.dataset,
            tableId: destination,
          },
          schema: { fields: mode === "upsert" ? [...this.fields, ...INTERNAL] : this.fields },
          sourceFormat: "NEWLINE_DELIMITED_JSON",
          writeDisposition: mode === "replace" ? "WRITE_TRUNCATE" : "WRITE_APPEND",
          createDisposition: "CREATE_IF_NEEDED",
          ...(mode === "append"
            ? { schemaUpdateOptions: ["ALLOW_FIELD_ADDITION", "ALLOW_FIELD_RELAXATION"] }
            : {}),
          ...(mode === "upsert" ? {} : layout),
        },
      },
    };
    this.upload = new ResumableUpload(
      this.conn,
      this.opts.projectId,
      job,
      this.opts.chunkBytes,
      this.opts.retries,
      this.open.signal,
    );
    return this.upload;
  }

  private layoutOptions(): Record<string, unknown> {
    const p = this.opts.partitioning;
    return {
      ...(p
        ? {
            timePartitioning: {
              type: p.type,
              ...(p.field ? { field: p.field } : {}),
              ...(p.expirationMs ? { expirationMs: String(p.expirationMs) } : {}),
            },
          }
        : {}),
      ...(this.opts.clustering ? { clustering: { fields: this.opts.clustering } } : {}),
    };
  }

  /** Upsert: the target's columns gain this run's new ones; the staging table mirrors them and expires. */
  private async createStaging(): Promise<string> {
    const existing = await this.targetFields();
    if (existing) {
      const union = unionFields(existing, this.fields!);
      if (JSON.stringify(union) !== JSON.stringify(existing)) {
        await this.dataset
          .table(this.table)
          .setMetadata({ schema: { fields: union } })
          .catch((e: unknown) => {
            throw apiError(e, `add columns to ${this.table}`, this.stream.name);
          });
      }
      this.fields = union;
    }
    const name = `${this.table}__staging_${this.open.runId.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 40)}_${Math.random().toString(36).slice(2, 8)}`;
    await this.dataset
      .createTable(name, {
        schema: { fields: [...this.fields!, ...INTERNAL] },
        expirationTime: String(Date.now() + this.opts.stagingExpirationMs),
        description: `Sluice upsert staging for ${this.table} (run ${this.open.runId}); expires on its own`,
      })
      .catch((e: unknown) => {
        throw apiError(e, `create staging table for ${this.table}`, this.stream.name);
      });
    this.staging = name;
    return name;
  }

  private async targetFields(): Promise<BigQueryField[] | undefined> {
    try {
      const [md] = await this.dataset.table(this.table).getMetadata();
      return (md as { schema?: { fields?: BigQueryField[] } }).schema?.fields ?? [];
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return undefined;
      throw apiError(error, `read table ${this.table}`, this.stream.name);
    }
  }

  private async merge() {
    const keys = this.stream.primaryKey.map((k) => {
      const c = this.columns!.find((x) => x.key === k);
      if (!c)
        throw new ConfigError("BigQuery upsert", [
          { field: "primaryKey", message: `key "${k}" of stream ${this.stream.name} is not a column` },
        ]);
      return c.name;
    });
    if (!(await this.targetFields())) {
      await this.dataset
        .createTable(this.table, { schema: { fields: this.fields! }, ...this.layoutOptions() })
        .catch((e: unknown) => {
          if ((e as { code?: unknown }).code !== 409)
            throw apiError(e, `create table ${this.table}`, this.stream.name);
        });
    }
    const ref = (t: string) => `${this.opts.projectId}.${this.opts.dataset}.${t}`;
    const columns = bigQueryFields(this.columns!).map((f) => f.name);
    const sql = mergeStatement(ref(this.table), ref(this.staging!), keys, columns);
    return runQueryJob(this.jobs, sql, `merge_${this.table}`);
  }

  private async dropStaging(): Promise<void> {
    const name = this.staging;
    if (!name) return;
    this.staging = undefined;
    await this.dataset
      .table(name)
      .delete()
      .catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== 404)
          this.open.logger.warn(
            { table: name, err: apiError(e, "drop staging") },
            "staging table left to expire",
          );
      });
  }
}
