import type { FormatOptions, RecordEncoder } from "./types.js";

/** Creates an incremental encoder for the format. (stub: implementation in progress) */
export function createEncoder(_options: FormatOptions): RecordEncoder {
  throw new Error("@sluice/formats: createEncoder not implemented yet");
}
