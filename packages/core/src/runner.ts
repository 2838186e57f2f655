/** The runner: batch (`runPipeline`) and continuous (`runContinuous`) delivery, in named stages under runner/. */
export { PipelineError, type PipelineOptions, runPipeline } from "./runner/batch.js";
export { estimateBytes, sleep } from "./runner/util.js";
