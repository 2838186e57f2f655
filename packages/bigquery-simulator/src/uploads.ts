/**
 * Upload endpoints for load jobs: `uploadType=multipart` (what the Node client's
 * createWriteStream sends) and `uploadType=resumable` (session URI, chunked PUTs with
 * `Content-Range`, 308 Resume Incomplete with `Range`, status queries with `bytes * /TOTAL`).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { invalid, notFound } from "./errors.js";
import type { JobResource, Jobs } from "./jobs.js";
import { type LoadConfig, NdjsonLoader } from "./load.js";
import type { FieldSchema } from "./schema.js";
import type { Store } from "./store.js";

interface Session {
  projectId: string;
  job: Record<string, unknown>;
  loader: NdjsonLoader;
  received: number;
  done?: JobResource;
}

export interface UploadReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class Uploads {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly store: Store,
    private readonly jobs: Jobs,
  ) {}

  /** Open sessions (uploads started, not finished or cancelled). */
  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.done).length;
  }

  private loaderFor(projectId: string, job: Record<string, unknown>): NdjsonLoader {
    const cfg = ((job.configuration as { load?: LoadConfig } | undefined)?.load ?? {}) as LoadConfig;
    const dest = cfg.destinationTable ?? {};
    let fields: FieldSchema[] | undefined = cfg.schema?.fields;
    if (!fields && dest.datasetId && dest.tableId) {
      try {
        fields = this.store.findTable(dest.projectId ?? projectId, dest.datasetId, dest.tableId)?.schema;
      } catch {
        fields = undefined;
      }
    }
    return new NdjsonLoader(fields ?? [], cfg.ignoreUnknownValues === true);
  }

  multipart(projectId: string, contentType: string, body: Buffer): JobResource {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) throw invalid("multipart upload without a boundary");
    const parts = splitMultipart(body, boundary);
    if (parts.length < 2) throw invalid("multipart upload needs a metadata part and a media part");
    const job = JSON.parse(parts[0]!.toString("utf8")) as Record<string, unknown>;
    const loader = this.loaderFor(projectId, job);
    loader.push(parts[1]!);
    loader.end();
    return this.jobs.insertLoad(projectId, job, loader);
  }

  start(projectId: string, job: Record<string, unknown>, base: string): UploadReply {
    if (!job.configuration || !(job.configuration as { load?: unknown }).load)
      throw invalid("Required parameter is missing: configuration.load");
    const id = randomUUID().replace(/-/g, "");
    this.sessions.set(id, { projectId, job, loader: this.loaderFor(projectId, job), received: 0 });
    const location = `${base}/upload/bigquery/v2/projects/${projectId}/jobs?uploadType=resumable&upload_id=${id}`;
    return { status: 200, headers: { location } };
  }

  cancel(id: string): UploadReply {
    if (!this.sessions.delete(id)) throw notFound(`upload session ${id}`);
    return { status: 499 };
  }

  /** One PUT to a session URI. */
  async put(id: string, req: IncomingMessage): Promise<UploadReply> {
    const session = this.sessions.get(id);
    if (!session) {
      req.resume();
      throw notFound(`upload session ${id}`);
    }
    const range = String(req.headers["content-range"] ?? "");
    const status = /^bytes \*\/(\d+|\*)$/.exec(range);
    const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    if (session.done) {
      req.resume();
      return { status: 200, body: session.done };
    }
    if (status || (!chunk && range === "")) {
      const body = await readAll(req);
      if (status && body.length === 0) {
        if (status[1] !== "*" && Number(status[1]) === session.received) return this.complete(id, session);
        return incomplete(session.received);
      }
      // no Content-Range: the whole upload in one request
      session.loader.push(body);
      session.received += body.length;
      return this.complete(id, session);
    }
    if (!chunk) throw invalid(`Invalid Content-Range: ${range}`);
    const first = Number(chunk[1]);
    if (first !== session.received) {
      req.resume();
      return incomplete(session.received);
    }
    for await (const part of req) {
      session.loader.push(part as Buffer);
      session.received += (part as Buffer).length;
    }
    if (chunk[3] !== "*" && session.received >= Number(chunk[3])) return this.complete(id, session);
    return incomplete(session.received);
  }

  private complete(id: string, session: Session): UploadReply {
    session.loader.end();
    session.done = this.jobs.insertLoad(session.projectId, session.job, session.loader);
    this.sessions.set(id, { ...session, loader: new NdjsonLoader([], false) });
    return { status: 200, body: session.done };
  }
}

function incomplete(received: number): UploadReply {
  return { status: 308, headers: received > 0 ? { range: `bytes=0-${received - 1}` } : {} };
}

export async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    let content = headerEnd >= 0 ? part.subarray(headerEnd + 4) : part;
    if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
    parts.push(content);
    pos = next;
  }
  return parts;
}
