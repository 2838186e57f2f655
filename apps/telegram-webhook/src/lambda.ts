/**
 * AWS Lambda entry point (API Gateway HTTP API payload 2.0, or a Function URL): `handler`.
 * The configuration (and the secret token, from Secrets Manager when only its ARN is given) is
 * read once per container, at cold start.
 */
import { createLogger } from "@sluice/core";
import { type HttpApiEventV2, type HttpApiResultV2, lambdaHandler } from "@sluice/source-telegram";
import { NAME } from "./cli.js";
import { readWebhookConfig } from "./env.js";
import { resolveSecretToken } from "./secrets.js";
import { buildWebhook } from "./webhook-app.js";

const config = readWebhookConfig();
// TELEGRAM_SECRET_TOKEN, or read once per container from TELEGRAM_SECRET_TOKEN_SECRET_ARN
const secretToken = await resolveSecretToken(config);
const { webhook } = buildWebhook(config, secretToken, {
  logger: createLogger({ name: NAME, level: config.logLevel }),
});

export const handler: (event: HttpApiEventV2) => Promise<HttpApiResultV2> = lambdaHandler(webhook);
