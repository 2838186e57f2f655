export { main } from "./cli.js";
export { type BotCommandConfig, readBotCommandConfig, readWebhookConfig, type WebhookConfig } from "./env.js";
export { buildWebhook, startWebhookServer, type WebhookAppOptions } from "./webhook-app.js";
