export {
  type Family,
  mysqlDialect,
  type PhysColumn,
  type PhysType,
  type RenamePair,
  type SqlDialect,
  sqliteDialect,
} from "./dialect/index.js";
export type { AuroraSinkOptions } from "./options.js";
export type { ValueGetter } from "./paths.js";
export { type AuroraSink, auroraSink, type LoadMethod } from "./sink.js";
export {
  type ChildDef,
  type ColumnDef,
  logicalTypeOf,
  type StreamTables,
  streamTables,
  type TableDef,
  type TimestampFormat,
} from "./table-def.js";
