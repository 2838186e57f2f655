/**
 * `@sluice/core/testing`: in-memory sources and sinks with fault injection. No test framework
 * needed; the sink conformance suite (vitest) is `@sluice/core/conformance`.
 */

export { type ManualClock, manualClock, settle } from "./manual-clock.js";
export {
  type ConsumerFaults,
  type MemoryBroker,
  type MemoryBrokerOptions,
  type MemoryBrokerSource,
  memoryBroker,
} from "./memory-broker.js";
export { type MemorySink, type MemorySinkOptions, memorySink, type SinkEvent } from "./memory-sink.js";
export {
  generateRecords,
  type MemorySource,
  type MemorySourceOptions,
  type MemoryStreamSpec,
  memorySource,
} from "./memory-source.js";
