export { backoffDelay } from "./backoff.js";
export { deadLetterFrame } from "./dead-letter.js";
export { DESTINATION_FIELD, decodeMessage, MESSAGE_ID_FIELD, RECEIVED_AT_FIELD } from "./decode.js";
export {
  parseBrokerUrl,
  type ResolvedStompSourceOptions,
  type StompSourceOptions,
  stompSourceOptionsSchema,
  streamNameOf,
} from "./options.js";
export { type StompPublisher, type StompPublisherOptions, stompPublisher } from "./publisher.js";
export { type StompSource, type StompSourceDeps, stompSource } from "./source.js";
