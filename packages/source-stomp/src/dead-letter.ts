/** A dead letter as a STOMP SEND: the original payload as body, why in `x-sluice-*` headers. */
import type { DeadLetter, JsonObject } from "@sluice/core";
import type { StompHeaders } from "@stomp/stompjs";
import { DESTINATION_FIELD, MESSAGE_ID_FIELD, RECEIVED_AT_FIELD } from "./decode.js";

const MAX_HEADER = 1000;

export function deadLetterFrame(letter: DeadLetter): { body: string; headers: StompHeaders } {
  const meta = (letter.metadata ?? {}) as JsonObject;
  let body: string;
  let messageId = meta.message_id;
  let destination = meta.destination;
  if (typeof letter.payload === "string") body = letter.payload;
  else if (letter.payload !== null && typeof letter.payload === "object" && !Array.isArray(letter.payload)) {
    // a record rejected by a transform: send back what was received, metadata as headers
    const {
      [MESSAGE_ID_FIELD]: id,
      [DESTINATION_FIELD]: dest,
      [RECEIVED_AT_FIELD]: _at,
      ...original
    } = letter.payload as JsonObject;
    messageId ??= id ?? null;
    destination ??= dest ?? null;
    body = JSON.stringify(original);
  } else body = JSON.stringify(letter.payload);
  const headers: StompHeaders = {
    "x-sluice-error": letter.reason.slice(0, MAX_HEADER),
    "x-sluice-error-code": letter.code,
    "x-sluice-stream": letter.stream,
    "x-sluice-dead-lettered-at": letter.at,
    "content-type": typeof letter.payload === "string" ? "text/plain" : "application/json",
  };
  if (typeof messageId === "string") headers["x-sluice-original-message-id"] = messageId;
  if (typeof destination === "string") headers["x-sluice-original-destination"] = destination;
  return { body, headers };
}
