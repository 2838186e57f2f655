/** The runner: batch (`runPipeline`) and continuous (`runContinuous`) delivery, in named stages under runner/. */
export { PipelineError, type PipelineOptions, runPipeline } from "./runner/batch.js";
export { type Clock, realClock } from "./runner/clock.js";
export { runContinuous } from "./runner/continuous.js";
export { DEAD_LETTER_STREAM } from "./runner/dead-letters.js";
export { estimateBytes, sleep } from "./runner/util.js";
