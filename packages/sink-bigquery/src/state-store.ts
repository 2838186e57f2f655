/**
 * Checkpoints in a small BigQuery table (`key STRING, checkpoint STRING (JSON text), saved_at
 * TIMESTAMP`), for runs with no disk (Cloud Run functions and jobs). `save` rewrites the whole
 * table with one WRITE_TRUNCATE load job, so it is atomic; one writer per table is assumed.
 */
import { type Checkpoint, parseOptions, type StateStore } from "@sluice/core";
import { z } from "zod";
import { connect } from "./client.js";
import { apiError } from "./errors.js";
import { newJobId, waitForJob } from "./jobs.js";
import { bigQuerySinkOptionsSchema } from "./options.js";
import { ResumableUpload } from "./upload.js";

const optionsSchema = bigQuerySinkOptionsSchema
  .pick({
    projectId: true,
    dataset: true,
    location: true,
    apiEndpoint: true,
    auth: true,
    client: true,
    pollMs: true,
    retries: true,
  })
  .extend({
    table: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,1024}$/, "must be a table id")
      .default("_sluice_state"),
  });

/**
 * The options of `bigQueryStateStore`, as given (before defaults).
 *
 * @interface
 */
export type BigQueryStateStoreOptions = z.input<typeof optionsSchema>;

const FIELDS = [
  { name: "key", type: "STRING", mode: "REQUIRED" },
  { name: "checkpoint", type: "STRING", mode: "NULLABLE" },
  { name: "saved_at", type: "TIMESTAMP", mode: "NULLABLE" },
];

export function bigQueryStateStore(options: BigQueryStateStoreOptions): StateStore {
  const opts = parseOptions(optionsSchema, options, "bigQueryStateStore options");
  const conn = connect(opts);
  const table = () => conn.bq.dataset(opts.dataset, { location: opts.location }).table(opts.table);

  async function readAll(): Promise<Map<string, string>> {
    try {
      const [rows] = await table().getRows({ maxResults: 10_000 });
      return new Map(
        (rows as { key: string; checkpoint: string | null }[]).map((r) => [r.key, r.checkpoint ?? "null"]),
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return new Map();
      throw apiError(error, `read state table ${opts.table}`);
    }
  }

  // A save reads every key, then truncates the table with the new set: two saves in flight would
  // each miss the other's key (the later job wins), so this store runs its saves one at a time.
  let saving: Promise<void> = Promise.resolve();

  return {
    async load(key: string): Promise<Checkpoint | undefined> {
      const text = (await readAll()).get(key);
      return text === undefined ? undefined : (JSON.parse(text) as Checkpoint);
    },
    save(key: string, checkpoint: Checkpoint, signal?: AbortSignal): Promise<void> {
      const next = saving.catch(() => undefined).then(() => saveNow(key, checkpoint, signal));
      saving = next;
      return next;
    },
  };

  async function saveNow(key: string, checkpoint: Checkpoint, signal?: AbortSignal): Promise<void> {
    const all = await readAll();
    all.set(key, JSON.stringify(checkpoint));
    const at = new Date().toISOString();
    const lines = [...all].map(([k, c]) => JSON.stringify({ key: k, checkpoint: c, saved_at: at }));
    const job = {
      jobReference: { projectId: opts.projectId, jobId: newJobId("state"), location: opts.location },
      configuration: {
        load: {
          destinationTable: { projectId: opts.projectId, datasetId: opts.dataset, tableId: opts.table },
          schema: { fields: FIELDS },
          sourceFormat: "NEWLINE_DELIMITED_JSON",
          writeDisposition: "WRITE_TRUNCATE",
        },
      },
    };
    const s = signal ?? new AbortController().signal;
    const upload = new ResumableUpload(conn, opts.projectId, job, 4 * 1024 * 1024, opts.retries, s);
    await upload.writeLines(lines);
    const reply = await upload.finish();
    const jobId = reply.jobReference?.jobId ?? job.jobReference.jobId;
    await waitForJob(
      { conn, location: opts.location, stream: opts.table, signal: s, pollMs: opts.pollMs },
      jobId,
      "state",
      reply,
    );
  }
}
