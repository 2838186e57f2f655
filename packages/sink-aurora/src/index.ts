export type { AuroraSinkOptions } from "./options.js";
export { buildEntities, buildMigrations } from "./schema.js";
export { type AuroraSink, auroraSink, type LoadMethod } from "./sink.js";
export { DEFAULT_TABLES, type IntercomStream, STREAMS, type TableKey } from "./tables.js";
