export { mysqlDialect, type SqlDialect, sqliteDialect } from "./dialect/index.js";
export type { AuroraSinkOptions } from "./options.js";
export { type AuroraSink, auroraSink, type LoadMethod } from "./sink.js";
export {
  type ColumnDef,
  logicalTypeOf,
  type StreamTables,
  streamTables,
  type TableDef,
} from "./table-def.js";
