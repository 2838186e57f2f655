export {
  type ConformanceTarget,
  defaultConformanceRecord,
  runSinkConformance,
  type SinkConformanceOptions,
} from "./conformance.js";
export { type MemorySink, type MemorySinkOptions, memorySink, type SinkEvent } from "./memory-sink.js";
export {
  generateRecords,
  type MemorySource,
  type MemorySourceOptions,
  type MemoryStreamSpec,
  memorySource,
} from "./memory-source.js";
