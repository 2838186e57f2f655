export { type ExtractConfig, type LogLevel, type OutputFormat, readExtractConfig } from "./env.js";
export { type RunExtractOptions, runExtract } from "./extract.js";
export { contactIdsKey, DELETION_STREAMS, dataKeys, extractStateKey } from "./layout.js";
