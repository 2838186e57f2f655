import { CancelledError } from "./errors.js";
import type { Logger } from "./logger.js";

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  logger?: Logger;
  /** After the first signal, force-exit if the process is still alive after this long. Default 25 s
   *  (Fargate sends SIGKILL 30 s after SIGTERM by default). 0 disables. */
  graceMs?: number;
  /** Exit code for a forced exit. Default 143 (128 + SIGTERM). */
  exitCode?: number;
  /**
   * The second signal: `exit` (default) exits at once; `force` aborts `force` instead, so a
   * continuous run aborts its open micro-batch and returns (`runContinuous({ forceSignal })`).
   */
  secondSignal?: "exit" | "force";
}

/**
 * Turns SIGTERM/SIGINT into an AbortSignal: the first signal aborts the run (a batch run aborts
 * its writers, nothing half-written is left; a continuous run drains); a second signal exits at
 * once (or aborts `force`, with `secondSignal: "force"`); so does the grace period.
 */
export function shutdownSignal(options: ShutdownOptions = {}): {
  signal: AbortSignal;
  /** Aborted by a second signal when `secondSignal` is `force`. */
  force: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const forceController = new AbortController();
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const graceMs = options.graceMs ?? 25_000;
  let timer: NodeJS.Timeout | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted && options.secondSignal === "force" && !forceController.signal.aborted) {
      options.logger?.error({ signal: sig }, "second signal: aborting the open work");
      forceController.abort(new CancelledError(`Run forced to stop by a second ${sig}`));
      return;
    }
    if (controller.signal.aborted) {
      options.logger?.error({ signal: sig }, "second signal: exiting now");
      process.exit(options.exitCode ?? 143);
    }
    options.logger?.warn({ signal: sig }, "shutdown requested: aborting the run");
    controller.abort(new CancelledError(`Run cancelled by ${sig}`));
    if (graceMs > 0) {
      timer = setTimeout(() => {
        options.logger?.error({ graceMs }, "shutdown grace period elapsed: exiting");
        process.exit(options.exitCode ?? 143);
      }, graceMs);
      timer.unref();
    }
  };
  for (const s of signals) process.on(s, handler);
  return {
    signal: controller.signal,
    force: forceController.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      for (const s of signals) process.off(s, handler);
    },
  };
}
