export { encodeRecord } from "./encode.js";
export { scrubMessage } from "./errors.js";
export { type BigQuerySinkOptions, bigQuerySinkOptionsSchema } from "./options.js";
export {
  type BigQueryField,
  type BigQueryType,
  bigQueryFields,
  type ColumnPlan,
  columnName,
  EXTRA_COLUMN,
  inferColumns,
  toBigQueryColumns,
} from "./schema-mapping.js";
export { bigQuerySink, tableFor } from "./sink.js";
export { type BigQueryStateStoreOptions, bigQueryStateStore } from "./state-store.js";
