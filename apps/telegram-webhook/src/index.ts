export { main } from "./cli.js";
export {
  type BotCommandConfig,
  type PollConfig,
  readBotCommandConfig,
  readPollConfig,
  readWebhookConfig,
  type WebhookConfig,
} from "./env.js";
export { type PollOptions, runPoll } from "./poll.js";
export { resolveSecretToken, type SecretsClient } from "./secrets.js";
export { buildWebhook, startWebhookServer, type WebhookAppOptions } from "./webhook-app.js";
