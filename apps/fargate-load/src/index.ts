export {
  type DatabaseTarget,
  type InputFormat,
  LOAD_STREAMS,
  type LoadConfig,
  type LoadMode,
  readLoadConfig,
} from "./env.js";
export { objectKeyFor, type RunLoadOptions, runLoad } from "./load.js";
