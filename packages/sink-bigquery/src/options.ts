import type { BigQuery } from "@google-cloud/bigquery";
import { z } from "zod";

/** Resumable uploads need every chunk but the last to be a multiple of 256 KiB. */
export const UPLOAD_QUANTUM = 256 * 1024;

const identifier = (what: string) =>
  z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, `must be a BigQuery ${what} id: letters, digits and _ only`);

export const bigQuerySinkOptionsSchema = z.object({
  /** Google Cloud project that owns the dataset (and runs the jobs). */
  projectId: z.string().regex(/^[a-z][a-z0-9:.-]{2,62}$|^[a-z0-9-]+$/i, "must be a Google Cloud project id"),
  dataset: identifier("dataset"),
  /** Dataset location; jobs run there. */
  location: z.string().min(2).default("US"),
  /** Create the dataset (in `location`) when it does not exist. Off by default. */
  createDataset: z.boolean().default(false),
  /** Table per stream; default: the layout's table, else the stream name. */
  tables: z.record(z.string(), z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, "must be a table id")).optional(),
  /** Time partitioning of created tables: by a TIMESTAMP/DATE column or ingestion time. */
  partitioning: z
    .object({
      type: z.enum(["HOUR", "DAY", "MONTH", "YEAR"]).default("DAY"),
      field: z.string().optional(),
      expirationMs: z.number().int().positive().optional(),
    })
    .optional(),
  /** Clustering columns of created tables (at most 4). */
  clustering: z.array(z.string().min(1)).min(1).max(4).optional(),
  /** REST endpoint (an emulator or the simulator), e.g. `http://127.0.0.1:9050`. */
  apiEndpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** `google` (default): the Google auth chain (ADC, GOOGLE_APPLICATION_CREDENTIALS, workload identity). `none`: no credentials (emulators only; needs apiEndpoint). */
  auth: z.enum(["google", "none"]).default("google"),
  /** Upload chunk size; a multiple of 256 KiB. Default 4 MiB. */
  chunkBytes: z
    .number()
    .int()
    .min(UPLOAD_QUANTUM)
    .refine((n) => n % UPLOAD_QUANTUM === 0, "must be a multiple of 262144 (256 KiB)")
    .default(16 * UPLOAD_QUANTUM),
  /** Retries of one upload chunk or job after a transient failure. */
  retries: z.number().int().min(0).max(10).default(5),
  /** Staging tables (upsert) expire after this long even if the run dies. */
  stagingExpirationMs: z
    .number()
    .int()
    .min(60_000)
    .default(6 * 3600_000),
  /** Job polling interval (grows ×1.5 up to 5 s). */
  pollMs: z.number().int().min(10).default(250),
  /** A ready BigQuery client (tests); otherwise one is built from the options above. */
  client: z.custom<BigQuery>((v) => typeof v === "object" && v !== null).optional(),
});

export type BigQuerySinkOptions = z.input<typeof bigQuerySinkOptionsSchema>;
export type ResolvedOptions = z.output<typeof bigQuerySinkOptionsSchema>;
