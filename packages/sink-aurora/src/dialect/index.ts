export { mysqlDialect } from "./mysql.js";
export { sqliteDialect } from "./sqlite.js";
export type { Family, PhysColumn, PhysType, RenamePair, SqlDialect } from "./types.js";
