/**
 * Intercom → BigQuery: one table per entity, each replaced (or appended/merged) as soon as its
 * entity is read, so a call that dies part-way keeps the tables it finished and the next call
 * resumes with the rest (see progress.ts).
 */
import {
  type Logger,
  PipelineError,
  type RunReport,
  runPipeline,
  type Sink,
  type SinkWriter,
  type StateStore,
  silentLogger,
  type WriteMode,
} from "@sluice/core";
import { bigQuerySink, bigQueryStateStore } from "@sluice/sink-bigquery";
import { intercomSource } from "@sluice/source-intercom";
import { type Entity, tablesFor } from "./entities.js";
import { markDone, progressKey, startCycle } from "./progress.js";
import type { SyncRequest } from "./request.js";
import { entitiesOfStream, roleSplitSink, splitCounts, streamsFor } from "./role-split.js";

export interface SyncSettings {
  /** Intercom API base URL (default https://api.intercom.io). */
  intercomApiUrl: string;
  /** A BigQuery REST endpoint (emulator/simulator); set: no Google credentials are used. */
  bigqueryApiEndpoint?: string | undefined;
  createDataset: boolean;
  writeMode: WriteMode;
  /** 0 disables resuming. */
  resumeWindowMs: number;
}

export interface EntitySummary {
  entity: Entity;
  table: string;
  status: string;
  records: number;
  error?: { code: string; message: string } | undefined;
}

export interface SyncSummary {
  status: "succeeded";
  runId: string;
  durationMs: number;
  resumed: boolean;
  /** Entities already refreshed earlier in this cycle, not read again. */
  skipped: Entity[];
  entities: EntitySummary[];
}

export interface SyncOptions {
  signal?: AbortSignal;
  logger?: Logger;
  now?: Date;
}

/** Longest first: conversations (one call per conversation) and the contacts start at once,
 * the small entities fill in beside them; all share the source's one rate governor. */
const COST_ORDER: readonly Entity[] = [
  "conversations",
  "users",
  "contacts",
  "companies",
  "admins",
  "teams",
  "tags",
  "segments",
];
const STREAM_CONCURRENCY = 4;

export function summarize(report: RunReport, entities: readonly Entity[]): EntitySummary[] {
  return report.streams.flatMap((s) => {
    const owned = entitiesOfStream(s.stream, entities);
    const counts = owned.length > 1 ? splitCounts(s.commit) : {};
    return owned.map((entity) => ({
      entity,
      table: entity,
      status: s.status,
      records: counts[entity] ?? s.records,
      ...(s.error ? { error: s.error } : {}),
    }));
  });
}

/** Marks an entity done once its table commit returned. */
function trackingSink(inner: Sink, onCommitted: (stream: string) => Promise<void>): Sink {
  return {
    ...inner,
    name: inner.name,
    async open(stream, options): Promise<SinkWriter> {
      const writer = await inner.open(stream, options);
      return {
        write: (records) => writer.write(records),
        abort: (reason) => writer.abort(reason),
        async commit(ctx) {
          const report = await writer.commit(ctx);
          await onCommitted(stream.name);
          return report;
        },
      };
    },
  };
}

export async function syncIntercomToBigQuery(
  request: SyncRequest,
  settings: SyncSettings,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const logger = options.logger ?? silentLogger();
  const { project_id: projectId, dataset_id: dataset, location } = request.bq;
  const entities = request.intercom.entities;
  const endpoint = settings.bigqueryApiEndpoint;
  const google = endpoint ? { apiEndpoint: endpoint, auth: "none" as const } : {};
  const source = intercomSource({
    accessToken: request.intercom.accessToken,
    baseUrl: settings.intercomApiUrl,
  });
  const sink = bigQuerySink({
    projectId,
    dataset,
    location,
    createDataset: settings.createDataset,
    tables: tablesFor(entities),
    ...google,
  });
  // token first: a rejected token fails in one call, before anything is created in BigQuery
  await source.check(options.signal);
  await sink.check(options.signal);
  const state: StateStore = bigQueryStateStore({ projectId, dataset, location, ...google });
  const key = progressKey(projectId, dataset);
  const { cycle, remaining, resumed } = await startCycle(
    state,
    key,
    entities,
    settings.resumeWindowMs,
    options.now ?? new Date(),
  );
  if (resumed) logger.info({ done: cycle.done, remaining }, "resuming an unfinished refresh");
  const tracked = trackingSink(roleSplitSink(sink), async (stream) => {
    if (settings.resumeWindowMs === 0) return;
    for (const entity of entitiesOfStream(stream, remaining)) await markDone(state, key, cycle, entity);
  });
  const report = await runPipeline({
    source,
    sink: tracked,
    streams: streamsFor([...remaining].sort((a, b) => COST_ORDER.indexOf(a) - COST_ORDER.indexOf(b))),
    concurrency: STREAM_CONCURRENCY,
    syncMode: "full",
    writeMode: settings.writeMode,
    commit: "per-stream",
    ...(options.signal ? { signal: options.signal } : {}),
    logger,
  });
  return {
    status: "succeeded",
    runId: report.runId,
    durationMs: report.durationMs,
    resumed,
    skipped: entities.filter((e) => !remaining.includes(e)),
    entities: summarize(report, remaining),
  };
}

export { PipelineError };
