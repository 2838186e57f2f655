export {
  type BotApi,
  type BotApiEnvelope,
  type BotApiOptions,
  botApi,
  botApiError,
  type FetchLike,
  type GetUpdatesParams,
  redactBotToken,
  type SetWebhookParams,
  type WebhookInfo,
} from "./bot-api.js";
export { createWebhookServer, type WebhookServerOptions } from "./http-server.js";
export { parseJsonExact } from "./json.js";
export { eventBody, type HttpApiEventV2, type HttpApiResultV2, lambdaHandler } from "./lambda.js";
export {
  assertTimeZone,
  dayIn,
  dayPrefix,
  enrichedKey,
  isIsoDay,
  previousDay,
  rawUpdateKey,
  yesterdayIn,
} from "./partition.js";
export { type PollingSourceOptions, telegramPollingSource, UPDATES_STREAM } from "./polling-source.js";
export { type RawDaySourceOptions, type RawDayStats, rawDaySource } from "./raw-day-source.js";
export {
  type RawUpdateStore,
  type RawUpdatesSinkOptions,
  rawUpdatesSink,
  type S3RawStoreOptions,
  s3RawStore,
} from "./raw-store.js";
export {
  isTelegramId,
  MESSAGE_ROW_SCHEMA,
  MESSAGE_UPDATE_TYPES,
  MESSAGES_STREAM,
  type MessageUpdateType,
  messageRow,
  messageUpdateType,
  parseUpdate,
  type TelegramId,
  type TelegramUpdate,
} from "./update.js";
export {
  headerValue,
  MAX_BODY_BYTES,
  SECRET_HEADER,
  secretMatches,
  type TelegramWebhook,
  type TelegramWebhookOptions,
  telegramWebhook,
  type WebhookRequest,
  type WebhookResponse,
} from "./webhook.js";
