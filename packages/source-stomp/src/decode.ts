/** A STOMP MESSAGE → a record (JSON object + broker metadata) or a dead letter. */
import type { DeadLetterInput, JsonObject } from "@sluice/core";

/** A STOMP MESSAGE frame: its body and headers. */
export interface BrokerMessage {
  body: string;
  headers: Record<string, string>;
}

export const MESSAGE_ID_FIELD = "_message_id";
export const DESTINATION_FIELD = "_destination";
export const RECEIVED_AT_FIELD = "_received_at";

/** What `decodeMessage` makes of a message: a record, or a dead letter. */
export type Decoded = { record: JsonObject } | { letter: DeadLetterInput };

export function messageMetadata(message: BrokerMessage): JsonObject {
  const h = message.headers;
  return {
    message_id: h["message-id"] ?? null,
    destination: h.destination ?? null,
    redelivered: h.redelivered === "true",
    ...(h.timestamp ? { timestamp: Number(h.timestamp) } : {}),
  };
}

export function decodeMessage(message: BrokerMessage, receivedAt: Date): Decoded {
  const id = message.headers["message-id"] ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.body);
  } catch {
    // the parser's own message quotes the input, which may hold personal data
    return {
      letter: {
        code: "invalid_json",
        reason: `message ${id} is not valid JSON`,
        payload: message.body,
        metadata: messageMetadata(message),
      },
    };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      letter: {
        code: "not_an_object",
        reason: `message ${id} is JSON but not an object`,
        payload: message.body,
        metadata: messageMetadata(message),
      },
    };
  }
  return {
    record: {
      ...(parsed as JsonObject),
      [MESSAGE_ID_FIELD]: id,
      [DESTINATION_FIELD]: message.headers.destination ?? null,
      [RECEIVED_AT_FIELD]: receivedAt.toISOString(),
    },
  };
}
