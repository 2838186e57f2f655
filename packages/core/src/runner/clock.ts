import { abortReason } from "./util.js";

/** Time as the continuous runner sees it; tests inject a manual clock instead of sleeping. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** Sleeps `ms` on `clock`, rejecting early with the signal's reason when it aborts. */
export function clockSleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      cancel();
      reject(abortReason(signal!));
    };
    const cancel = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A wake-up flag: `wait(ms)` resolves on the next `notify()` or after `ms` on the clock,
 * whichever first. Each wait has its own promise and timer (nothing long-lived retains data).
 */
export class Wakeup {
  private waiter: (() => void) | undefined;
  private pending = false;
  constructor(private readonly clock: Clock) {}

  notify(): void {
    this.pending = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  wait(ms?: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let cancel: (() => void) | undefined;
      this.waiter = () => {
        cancel?.();
        this.pending = false;
        resolve();
      };
      if (ms !== undefined) cancel = this.clock.setTimeout(() => this.waiter?.(), Math.max(0, ms));
    });
  }
}
