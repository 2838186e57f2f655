/**
 * The Cloud Run functions entry point: registers the HTTP function `intercom` with the Functions
 * Framework (`functions-framework --target=intercom --source=dist/function.js`).
 */
import { http } from "@google-cloud/functions-framework";
import { createLogger } from "@sluice/core";
import { readServerConfig } from "./env.js";
import { createHandler } from "./handler.js";

const config = readServerConfig();
const logger = createLogger({ name: "intercom-bigquery", level: config.logLevel });
http("intercom", createHandler(config.settings, logger, config.runDeadlineMs) as Parameters<typeof http>[1]);
