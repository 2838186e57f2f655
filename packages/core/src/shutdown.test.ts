import { describe, expect, it } from "vitest";
import { CancelledError } from "./errors.js";
import { shutdownSignal } from "./shutdown.js";

describe("shutdownSignal", () => {
  it("first signal aborts `signal`; with secondSignal: force, the second aborts `force`", () => {
    const s = shutdownSignal({ signals: ["SIGUSR2"], secondSignal: "force", graceMs: 0 });
    try {
      process.emit("SIGUSR2", "SIGUSR2");
      expect(s.signal.aborted).toBe(true);
      expect(s.signal.reason).toBeInstanceOf(CancelledError);
      expect(s.force.aborted).toBe(false);
      process.emit("SIGUSR2", "SIGUSR2");
      expect(s.force.aborted).toBe(true);
    } finally {
      s.dispose();
    }
  });
});
