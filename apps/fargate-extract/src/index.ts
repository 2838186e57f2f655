export { type ExtractConfig, type LogLevel, type OutputFormat, readExtractConfig } from "./env.js";
export { type RunExtractOptions, runExtract } from "./extract.js";
export {
  changesPrefix,
  contactIdsKey,
  DELETION_STREAMS,
  dataKeys,
  EXTRACT_STATE_KEY_TEMPLATE,
  legacyExtractStateKey,
} from "./layout.js";
