import type { TelegramWebhook, WebhookResponse } from "./webhook.js";

/**
 * The parts of an API Gateway HTTP API (payload format 2.0) or Lambda Function URL event the
 * webhook reads. Both use the same schema; header names arrive lower-case.
 */
export interface HttpApiEventV2 {
  version?: string;
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}

export interface HttpApiResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

const toResult = (r: WebhookResponse): HttpApiResultV2 => ({
  statusCode: r.status,
  headers: r.headers,
  body: r.body,
  isBase64Encoded: false,
});

/** Body bytes of an event: base64-decoded when `isBase64Encoded`. */
export function eventBody(event: HttpApiEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
}

/** A Lambda handler (bodies over MAX_BODY_BYTES → 413; API Gateway HTTP API v2 and Function URL events) around the webhook. */
export function lambdaHandler(webhook: TelegramWebhook): (event: HttpApiEventV2) => Promise<HttpApiResultV2> {
  return async (event) => {
    const method = event.requestContext?.http?.method ?? "POST";
    // API Gateway caps bodies at 10 MB; the webhook answers 413 beyond MAX_BODY_BYTES
    return toResult(await webhook.handle({ method, headers: event.headers ?? {}, body: eventBody(event) }));
  };
}
