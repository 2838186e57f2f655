import {
  type CheckedSink,
  ConfigError,
  type OpenOptions,
  parseOptions,
  type SinkWriter,
  type StreamDescriptor,
} from "@sluice/core";
import { type Connection, connect } from "./client.js";
import { apiError } from "./errors.js";
import { type BigQuerySinkOptions, bigQuerySinkOptionsSchema, type ResolvedOptions } from "./options.js";
import { columnName } from "./schema-mapping.js";
import { BigQueryWriter } from "./writer.js";

/**
 * BigQuery sink: load jobs (never streaming inserts) fed by resumable NDJSON uploads.
 * replace = WRITE_TRUNCATE, append = WRITE_APPEND, upsert = staging table + one MERGE.
 */
export function bigQuerySink(options: BigQuerySinkOptions): CheckedSink {
  const opts = parseOptions(bigQuerySinkOptionsSchema, options, "bigQuerySink options");
  if (opts.auth === "none" && !opts.apiEndpoint && !opts.client) {
    throw new ConfigError("bigQuerySink options", [
      { field: "auth", message: '"none" needs apiEndpoint (an emulator); real BigQuery needs credentials' },
    ]);
  }
  const conn = connect(opts);
  let ready: Promise<void> | undefined;
  const ensureDataset = () => {
    ready ??= checkDataset(conn, opts).catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  return {
    name: "bigquery",
    capabilities: { writeModes: ["replace", "append", "upsert"] },
    check: () => ensureDataset(),
    async open(stream: StreamDescriptor, open: OpenOptions): Promise<SinkWriter> {
      if (open.mode === "upsert" && stream.primaryKey.length === 0) {
        throw new ConfigError("BigQuery upsert", [
          { field: "primaryKey", message: `stream ${stream.name} has no primary key; upsert needs one` },
        ]);
      }
      await ensureDataset();
      return new BigQueryWriter(conn, opts, stream, open, tableFor(opts, stream));
    },
  };
}

/** The table of a stream: `tables[stream]`, else the layout's table, else the stream name (made a valid id). */
export function tableFor(opts: Pick<BigQuerySinkOptions, "tables">, stream: StreamDescriptor): string {
  return opts.tables?.[stream.name] ?? columnName(stream.layout?.table ?? stream.name, new Set());
}

async function checkDataset(conn: Connection, opts: ResolvedOptions): Promise<void> {
  const dataset = conn.bq.dataset(opts.dataset);
  let location: string | undefined;
  try {
    const [md] = await dataset.getMetadata();
    location = (md as { location?: string }).location;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 404)
      throw apiError(error, `read dataset ${opts.projectId}:${opts.dataset}`);
    if (!opts.createDataset) {
      throw new ConfigError("BigQuery target", [
        {
          field: "dataset",
          message: `dataset ${opts.projectId}:${opts.dataset} does not exist; create it in ${opts.location} or set createDataset: true`,
        },
      ]);
    }
    await conn.bq.createDataset(opts.dataset, { location: opts.location }).catch((e: unknown) => {
      if ((e as { code?: unknown }).code !== 409)
        throw apiError(e, `create dataset ${opts.projectId}:${opts.dataset}`);
    });
    return;
  }
  if (location && location.toLowerCase() !== opts.location.toLowerCase()) {
    throw new ConfigError("BigQuery target", [
      {
        field: "location",
        message: `dataset ${opts.projectId}:${opts.dataset} is in ${location}, not ${opts.location}`,
      },
    ]);
  }
}
