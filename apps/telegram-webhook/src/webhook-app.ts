import type { Server } from "node:http";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import type { Logger } from "@sluice/core";
import {
  createWebhookServer,
  type RawUpdateStore,
  s3RawStore,
  type TelegramWebhook,
  telegramWebhook,
} from "@sluice/source-telegram";
import type { WebhookConfig } from "./env.js";
import { resolveSecretToken } from "./secrets.js";

export interface WebhookAppOptions {
  logger?: Logger;
  /** Extra S3 client settings (tests: s3rver). Production: the SDK's defaults. */
  s3ClientConfig?: S3ClientConfig;
  /** The clock of the day partition (tests). */
  now?: () => Date;
}

/** The webhook and its S3 store, from the app's configuration (the secret token resolved). */
export function buildWebhook(
  config: WebhookConfig,
  secretToken: string,
  options: WebhookAppOptions = {},
): {
  webhook: TelegramWebhook;
  store: RawUpdateStore;
} {
  const store = s3RawStore({
    bucket: config.rawBucket,
    clientConfig: { ...(config.forcePathStyle ? { forcePathStyle: true } : {}), ...options.s3ClientConfig },
  });
  const webhook = telegramWebhook({
    secretToken,
    store,
    prefix: config.rawPrefix,
    timeZone: config.timeZone,
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { webhook, store };
}

/** Starts the HTTP server on `config.port` (0: ephemeral); resolves once listening. */
export async function startWebhookServer(
  config: WebhookConfig,
  options: WebhookAppOptions = {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { webhook, store } = buildWebhook(config, await resolveSecretToken(config), options);
  const server = createWebhookServer(webhook, options.logger ? { logger: options.logger } : {});
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return {
    server,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.close?.();
    },
  };
}
