#!/usr/bin/env node
/**
 * `node dist/server.js`: the function `intercom` served by the Functions Framework's own server
 * (the same Express app `functions-framework --target=intercom` runs), on PORT (default 8080).
 */
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { createLogger, shutdownSignal } from "@sluice/core";
import { readServerConfig } from "./env.js";
import "./function.js";

const config = readServerConfig();
const logger = createLogger({ name: "intercom-bigquery", level: config.logLevel });
const server = getTestServer("intercom");
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info({ port }, "serving function intercom");
});
const { signal } = shutdownSignal({ logger });
signal.addEventListener("abort", () => server.close(() => process.exit(0)), { once: true });
