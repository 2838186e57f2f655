import type { Scenario } from "./context.js";

export const intercomScenario: Scenario = {
  id: "intercom",
  title: "intercom (not yet written)",
  async run() {
    throw new Error("scenario not written yet");
  },
};
