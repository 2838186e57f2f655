export { type ExtractConfig, type LogLevel, type OutputFormat, readExtractConfig } from "./env.js";
export { extractStateKey, type RunExtractOptions, runExtract } from "./extract.js";
