/**
 * The HTTP side: routes of the BigQuery REST API v2 (with or without the `/bigquery/v2` prefix,
 * so both `apiEndpoint` and `BIGQUERY_EMULATOR_HOST` styles work) plus the upload endpoint.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { timestampFormatOf } from "./cells.js";
import { ApiError, invalid, notFound } from "./errors.js";
import { type JobRecord, Jobs } from "./jobs.js";
import { datasetResource, rowPage, tableResource } from "./resources.js";
import type { FieldSchema } from "./schema.js";
import { Store } from "./store.js";
import { readAll, type UploadReply, Uploads } from "./uploads.js";

export interface RequestFault {
  /** Route key to match, e.g. `PUT /upload` or `POST /jobs`; absent = any request. */
  route?: string;
  status: number;
  reason: string;
  count: number;
}

interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: string[];
  base: string;
}
type Handler = (ctx: Ctx) => Promise<UploadReply> | UploadReply;

const P = "/projects/([^/]+)";
const json = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const body = await readAll(req);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw invalid("Invalid JSON payload received.");
  }
};
const ok = (body: unknown): UploadReply => ({ status: 200, body });

export class BigQueryServer {
  readonly store = new Store();
  readonly jobs: Jobs;
  readonly uploads: Uploads;
  readonly faults: RequestFault[] = [];
  readonly requests: Record<string, number> = {};
  private readonly server: Server;
  private readonly routes: { method: string; re: RegExp; key: string; handler: Handler }[] = [];

  constructor(jobDelayMs: number) {
    this.jobs = new Jobs(this.store, jobDelayMs);
    this.uploads = new Uploads(this.store, this.jobs);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.defineRoutes();
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    const { port: actual } = this.server.address() as AddressInfo;
    return `http://${host}:${actual}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(method: string, path: string, key: string, handler: Handler): void {
    this.routes.push({ method, re: new RegExp(`^${path}$`), key, handler });
  }

  private defineRoutes(): void {
    const s = this.store;
    this.route("GET", `${P}/datasets`, "GET /datasets", ({ params: [p] }) =>
      ok({ kind: "bigquery#datasetList", datasets: s.listDatasets(p!).map(datasetResource) }),
    );
    this.route("POST", `${P}/datasets`, "POST /datasets", async ({ req, params: [p] }) => {
      const body = await json(req);
      const ref = (body.datasetReference ?? {}) as { datasetId?: string };
      if (!ref.datasetId) throw invalid("Required parameter is missing: datasetReference.datasetId");
      return ok(datasetResource(s.createDataset(p!, ref.datasetId, String(body.location ?? "US"))));
    });
    this.route("GET", `${P}/datasets/([^/]+)`, "GET /datasets/{d}", ({ params: [p, d] }) =>
      ok(datasetResource(s.dataset(p!, d!))),
    );
    this.route("DELETE", `${P}/datasets/([^/]+)`, "DELETE /datasets/{d}", ({ url, params: [p, d] }) => {
      s.deleteDataset(p!, d!, url.searchParams.get("deleteContents") === "true");
      return { status: 204 };
    });
    this.route("GET", `${P}/datasets/([^/]+)/tables`, "GET /tables", ({ params: [p, d] }) => {
      const tables = s.liveTables(s.dataset(p!, d!)).map(tableResource);
      return ok({ kind: "bigquery#tableList", tables, totalItems: tables.length });
    });
    this.route("POST", `${P}/datasets/([^/]+)/tables`, "POST /tables", async ({ req, params: [p, d] }) => {
      const body = await json(req);
      const ref = (body.tableReference ?? {}) as { tableId?: string };
      if (!ref.tableId) throw invalid("Required parameter is missing: tableReference.tableId");
      const t = s.createTable(p!, d!, ref.tableId, {
        schema: ((body.schema as { fields?: FieldSchema[] } | undefined)?.fields ?? []) as FieldSchema[],
        expirationTime: body.expirationTime === undefined ? undefined : Number(body.expirationTime),
        timePartitioning: body.timePartitioning as Record<string, unknown> | undefined,
        clustering: body.clustering as { fields: string[] } | undefined,
        description: body.description as string | undefined,
      });
      return ok(tableResource(t));
    });
    const T = `${P}/datasets/([^/]+)/tables/([^/]+)`;
    this.route("GET", T, "GET /tables/{t}", ({ params: [p, d, t] }) =>
      ok(tableResource(s.table(p!, d!, t!))),
    );
    for (const method of ["PATCH", "PUT"]) {
      this.route(method, T, `${method} /tables/{t}`, async ({ req, params: [p, d, t] }) => {
        const table = s.table(p!, d!, t!);
        const body = await json(req);
        if (body.expirationTime !== undefined) table.expirationTime = Number(body.expirationTime);
        if (body.description !== undefined) table.description = String(body.description);
        const fields = (body.schema as { fields?: FieldSchema[] } | undefined)?.fields;
        if (fields)
          s.swap(
            table,
            table.rows.map((r) => ({
              ...Object.fromEntries(fields.map((f) => [f.name, f.mode === "REPEATED" ? [] : null])),
              ...r,
            })),
            fields,
          );
        return ok(tableResource(table));
      });
    }
    this.route("DELETE", T, "DELETE /tables/{t}", ({ params: [p, d, t] }) => {
      s.deleteTable(p!, d!, t!);
      return { status: 204 };
    });
    this.route("GET", `${T}/data`, "GET /tables/{t}/data", ({ url, params: [p, d, t] }) => {
      const table = s.table(p!, d!, t!);
      const start = Number(url.searchParams.get("pageToken") ?? url.searchParams.get("startIndex") ?? 0);
      const max = Math.min(100_000, Number(url.searchParams.get("maxResults") ?? 100_000));
      const fmt = timestampFormatOf(url.searchParams);
      return ok({ kind: "bigquery#tableDataList", ...rowPage(table.schema, table.rows, start, max, fmt) });
    });
    this.defineJobRoutes();
  }

  private defineJobRoutes(): void {
    this.route("POST", `${P}/jobs`, "POST /jobs", async ({ req, params: [p] }) => {
      const body = await json(req);
      const config = (body.configuration ?? {}) as { query?: unknown };
      if (!config.query) throw invalid("The simulator accepts query jobs here; load jobs go through /upload");
      return ok(this.jobs.insertQuery(p!, body).resource);
    });
    this.route("GET", `${P}/jobs/([^/]+)`, "GET /jobs/{j}", ({ params: [p, j] }) =>
      ok(this.jobs.get(p!, j!).resource),
    );
    this.route("POST", `${P}/jobs/([^/]+)/cancel`, "POST /jobs/{j}/cancel", ({ params: [p, j] }) =>
      ok({ kind: "bigquery#jobCancelResponse", job: this.jobs.get(p!, j!).resource }),
    );
    this.route("POST", `${P}/queries`, "POST /queries", async ({ req, params: [p] }) => {
      const body = await json(req);
      const job = this.jobs.insertQuery(p!, {
        jobReference: { location: body.location },
        configuration: { query: { query: body.query, useLegacySql: body.useLegacySql } },
      });
      await settled(job, Number(body.timeoutMs ?? 10_000));
      const { errorResult } = job.resource.status;
      if (errorResult)
        throw new ApiError(
          errorResult.reason === "notFound" ? 404 : 400,
          errorResult.reason,
          errorResult.message,
        );
      return ok(
        queryResults(
          job,
          0,
          Number(body.maxResults ?? 100_000),
          timestampFormatOf(body.formatOptions as Record<string, unknown>),
        ),
      );
    });
    this.route("GET", `${P}/queries/([^/]+)`, "GET /queries/{j}", async ({ url, params: [p, j] }) => {
      const job = this.jobs.get(p!, j!);
      await settled(job, Number(url.searchParams.get("timeoutMs") ?? 10_000));
      const start = Number(url.searchParams.get("pageToken") ?? url.searchParams.get("startIndex") ?? 0);
      const max = Number(url.searchParams.get("maxResults") ?? 100_000);
      return ok(queryResults(job, start, max, timestampFormatOf(url.searchParams)));
    });
    this.route(
      "POST",
      `/upload/bigquery/v2${P}/jobs`,
      "POST /upload",
      async ({ req, url, base, params: [p] }) => {
        const type = url.searchParams.get("uploadType");
        if (type === "resumable") return this.uploads.start(p!, await json(req), base);
        if (type === "multipart")
          return ok(
            this.uploads.multipart(p!, String(req.headers["content-type"] ?? ""), await readAll(req)),
          );
        throw invalid(`Unsupported uploadType ${type}`);
      },
    );
    this.route("PUT", `/upload/bigquery/v2${P}/jobs`, "PUT /upload", ({ req, url }) =>
      this.uploads.put(url.searchParams.get("upload_id") ?? "", req),
    );
    this.route("DELETE", `/upload/bigquery/v2${P}/jobs`, "DELETE /upload", ({ url }) =>
      this.uploads.cancel(url.searchParams.get("upload_id") ?? ""),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "127.0.0.1";
    const url = new URL(req.url ?? "/", `http://${host}`);
    const path = url.pathname.replace(/^\/bigquery\/v2(?=\/)/, "");
    let reply: UploadReply;
    try {
      const found = this.match(req.method ?? "GET", path);
      if (!found) throw notFound(`URL ${req.method} ${url.pathname}`);
      const [route, params] = found;
      this.requests[route.key] = (this.requests[route.key] ?? 0) + 1;
      const fault = this.faults.find((f) => f.count > 0 && (!f.route || f.route === route.key));
      if (fault) {
        fault.count--;
        req.resume();
        throw new ApiError(fault.status, fault.reason, `Injected fault: ${fault.reason}`);
      }
      reply = await route.handler({ req, url, params, base: `http://${host}` });
    } catch (error) {
      req.resume();
      const e = error instanceof ApiError ? error : new ApiError(500, "internalError", String(error));
      reply = { status: e.code, body: e.body() };
    }
    const body = reply.body === undefined ? "" : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(body ? { "content-type": "application/json; charset=utf-8" } : {}),
      ...reply.headers,
    });
    res.end(body);
  }

  private match(method: string, path: string): [{ key: string; handler: Handler }, string[]] | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (m) return [r, m.slice(1).map(decodeURIComponent)];
    }
    return undefined;
  }
}

/** Waits (like jobs.query's `timeoutMs`) for a job to finish; returns early when it does. */
async function settled(job: JobRecord, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + Math.min(timeoutMs, 10_000);
  while (job.resource.status.state !== "DONE" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

function queryResults(job: JobRecord, start: number, max: number, fmt: ReturnType<typeof timestampFormatOf>) {
  const { jobReference, status } = job.resource;
  const done = status.state === "DONE";
  const base = { kind: "bigquery#getQueryResultsResponse", jobReference, jobComplete: done };
  if (!done) return base;
  if (status.errorResult) return { ...base, errors: status.errors };
  const result = job.result;
  if (!result || result.kind === "dml")
    return {
      ...base,
      numDmlAffectedRows: String(result?.affected ?? 0),
      totalRows: "0",
      schema: { fields: [] },
    };
  return {
    ...base,
    schema: { fields: result.schema },
    ...rowPage(result.schema, result.rows, start, max, fmt),
  };
}
