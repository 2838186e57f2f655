/**
 * The HTTP function: POST / with the original body → 200 and a per-entity summary when every
 * table is loaded; 400 listing every problem of a bad body; 401 when Intercom rejects the token;
 * other failures 4xx/5xx with a JSON error and the per-entity status. The token is registered
 * as a secret before anything can log it and is never echoed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type ConfigIssue,
  type Logger,
  PipelineError,
  registerSecret,
  type SluiceError,
  silentLogger,
  toSluiceError,
} from "@sluice/core";
import { parseRequest } from "./request.js";
import { type SyncSettings, summarize, syncIntercomToBigQuery } from "./sync.js";

/** What the Functions Framework hands us (Express request/response, structurally). */
export interface FunctionRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: Buffer;
}

const STATUS_BY_CODE: Record<string, number> = {
  config_invalid: 400,
  auth_failed: 401,
  data_invalid: 422,
  rate_limited: 429,
  cancelled: 503,
  transient: 503,
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(text);
}

function bodyOf(req: FunctionRequest): { ok: true; value: unknown } | { ok: false } {
  const body = req.body;
  if (body && typeof body === "object" && !Buffer.isBuffer(body)) return { ok: true, value: body };
  const text = Buffer.isBuffer(body)
    ? body.toString("utf8")
    : typeof body === "string"
      ? body
      : req.rawBody?.toString("utf8");
  if (!text) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function badRequest(res: ServerResponse, issues: ConfigIssue[]): void {
  send(res, 400, {
    error: { code: "config_invalid", message: `Invalid request body: ${issues.length} problem(s)`, issues },
  });
}

function failure(res: ServerResponse, error: SluiceError, entities: Parameters<typeof summarize>[1]): void {
  const cause =
    error instanceof PipelineError && error.cause instanceof Error ? toSluiceError(error.cause) : error;
  const status = STATUS_BY_CODE[cause.code] ?? (cause.retryable ? 503 : 500);
  send(res, status, {
    error: {
      code: cause.code,
      message: cause.message,
      retryable: cause.retryable,
      ...("issues" in cause ? { issues: cause.issues } : {}),
    },
    ...(error instanceof PipelineError ? { entities: summarize(error.report, entities) } : {}),
    ...(cause.code === "cancelled"
      ? { resume: "call again with the same body: finished tables are kept and skipped" }
      : {}),
  });
}

/**
 * `deadlineMs` (0 = none): a call still running after it is cancelled like a SIGTERM; the tables
 * already replaced stay, the reply is 503 (`cancelled`, per-entity status) and the next call
 * resumes. Set it below the platform's request timeout (e.g. 500 s for a 540 s function).
 */
export function createHandler(settings: SyncSettings, logger: Logger = silentLogger(), deadlineMs = 0) {
  return async (req: FunctionRequest, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return send(res, 405, { error: { code: "method_not_allowed", message: "POST a JSON body to /" } });
    }
    const raw = bodyOf(req);
    if (!raw.ok) return badRequest(res, [{ field: "(body)", message: "must be a JSON object" }]);
    const token = (raw.value as { intercom?: { accessToken?: unknown } } | undefined)?.intercom?.accessToken;
    if (typeof token === "string" && token.trim() !== "") registerSecret(token.trim());
    const parsed = parseRequest(raw.value);
    if (!parsed.ok) {
      logger.warn({ issues: parsed.issues }, "bad request body");
      return badRequest(res, parsed.issues);
    }
    const { request } = parsed;
    const log = logger.child({ project: request.bq.project_id, dataset: request.bq.dataset_id });
    log.info({ entities: request.intercom.entities }, "sync requested");
    const deadline = deadlineMs > 0 ? AbortSignal.timeout(deadlineMs) : undefined;
    try {
      const summary = await syncIntercomToBigQuery(request, settings, {
        logger: log,
        ...(deadline ? { signal: deadline } : {}),
      });
      log.info({ entities: summary.entities, resumed: summary.resumed }, "sync succeeded");
      send(res, 200, summary);
    } catch (error) {
      const e = toSluiceError(error);
      log.error({ err: e, code: e.code }, "sync failed");
      failure(res, e, request.intercom.entities);
    }
  };
}
