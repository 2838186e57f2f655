/**
 * `@sluice/core/conformance`: the sink conformance suite. It registers vitest tests, so it lives
 * apart from `@sluice/core/testing` (in-memory source and sink, usable without vitest).
 */
export {
  type ConformanceTarget,
  defaultConformanceRecord,
  runSinkConformance,
  type SinkConformanceOptions,
} from "./suite.js";
