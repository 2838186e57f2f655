export {
  generateRecords,
  type MemorySource,
  type MemorySourceOptions,
  type MemoryStreamSpec,
  memorySource,
} from "./memory-source.js";
export { type MemorySink, type MemorySinkOptions, memorySink, type SinkEvent } from "./memory-sink.js";
export {
  type ConformanceTarget,
  defaultConformanceRecord,
  runSinkConformance,
  type SinkConformanceOptions,
} from "./conformance.js";
