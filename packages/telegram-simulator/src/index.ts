export type { DeliveryAttempt, DeliveryOptions } from "./delivery.js";
export { mixedUpdates } from "./scenario.js";
export { type SimulatorOptions, startTelegramSimulator, TelegramSimulator } from "./simulator.js";
export type { MessageOptions, SimChat, SimUpdate, SimUser } from "./world.js";
