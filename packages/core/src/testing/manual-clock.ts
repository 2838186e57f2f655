import type { Clock } from "../runner/clock.js";

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due (in order), letting promises settle between. */
  advance(ms: number): Promise<void>;
  /** Timers waiting to fire. */
  pending(): number;
}

/** Lets async work run: a macrotask turn, so chains of resolved promises settle. */
export function settle(turns = 3): Promise<void> {
  return (async () => {
    for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
  })();
}

/** A clock that moves only when told: deterministic timer tests without real sleeps. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    pending: () => timers.size,
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= target)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}
