export { SUPPORTED_COMMANDS } from "./commands.js";
export {
  type InjectedFailure,
  type MongoSimulator,
  type MongoSimulatorOptions,
  startMongoSimulator,
} from "./server.js";
export { Collection, type IndexSpec, idKey, Store } from "./store.js";
