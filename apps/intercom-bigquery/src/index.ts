export { ENTITIES, type Entity, STREAM_OF } from "./entities.js";
export { type JobConfig, readJobConfig, readServerConfig, type ServerConfig } from "./env.js";
export { createHandler } from "./handler.js";
export { parseRequest, requestSchema, type SyncRequest } from "./request.js";
export { type EntitySummary, type SyncSettings, type SyncSummary, syncIntercomToBigQuery } from "./sync.js";
