export { type ProducerConfig, readProducerConfig } from "./env.js";
export {
  generateEvents,
  INVALID_KINDS,
  type InvalidKind,
  type ProducedEvent,
  randomCpf,
  validEvent,
} from "./events.js";
export { type ProduceOptions, produce } from "./produce.js";
export { seededRandom } from "./random.js";
