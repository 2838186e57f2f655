export { backoffDelay } from "./backoff.js";
export { deadLetterFrame } from "./dead-letter.js";
export {
  type BrokerMessage,
  DESTINATION_FIELD,
  type Decoded,
  decodeMessage,
  MESSAGE_ID_FIELD,
  RECEIVED_AT_FIELD,
} from "./decode.js";
export {
  type BrokerAddress,
  parseBrokerUrl,
  type ResolvedStompSourceOptions,
  type StompSourceOptions,
  stompSourceOptionsSchema,
  streamNameOf,
} from "./options.js";
export { type StompPublisher, type StompPublisherOptions, stompPublisher } from "./publisher.js";
export { type StompSource, type StompSourceDeps, stompSource } from "./source.js";
