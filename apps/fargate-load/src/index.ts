export {
  type DatabaseTarget,
  type InputFormat,
  LOAD_INPUTS,
  LOAD_STREAMS,
  type LoadConfig,
  type LoadInput,
  type LoadMode,
  readLoadConfig,
} from "./env.js";
export { DELETION_STREAMS, deletedKeyFor, objectKeyFor, type RunLoadOptions, runLoad } from "./load.js";
