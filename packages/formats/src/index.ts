export { decodeParquet, decodeRecords } from "./decoder.js";
export { createEncoder } from "./encoder.js";
export { extensionFor, formatFromKey } from "./naming.js";
export { formatOptionsSchema } from "./options.js";
export type {
  DecodeOptions,
  EncoderStats,
  FormatName,
  FormatOptions,
  RangeReader,
  RecordEncoder,
} from "./types.js";
