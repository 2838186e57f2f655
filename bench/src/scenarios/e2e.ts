import type { Scenario } from "./context.js";

export const e2eScenario: Scenario = {
  id: "e2e",
  title: "e2e (not yet written)",
  async run() {
    throw new Error("scenario not written yet");
  },
};
