export { dayToProcess, type RunDailyOptions, runDaily } from "./daily.js";
export { type DailyConfig, readDailyConfig } from "./env.js";
