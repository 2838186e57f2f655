/**
 * Child side: `worker(fn)` reads the params the parent passed, samples its own RSS every 50 ms,
 * runs `fn`, and sends the result with the peak RSS (the larger of the samples and VmHWM).
 */
import { readFileSync } from "node:fs";

function ownHwm(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function worker<P, R>(fn: (params: P) => Promise<R>): void {
  // memoryUsage.rss() reads only the RSS; memoryUsage() also walks the V8 heap spaces (measurable CPU at 20 Hz)
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  // Cleared when fn settles. (It once also masked a core bug: the rate governor's wait timer was
  // unref'd, so a rate-limited run could exit half-way; fixed in core, with a process-level test.)
  const params = JSON.parse(process.argv[2] ?? "{}") as P;
  const send = (message: unknown) =>
    new Promise<void>((resolve) => {
      if (!process.send) {
        console.log(JSON.stringify(message));
        resolve();
      } else process.send(message, () => resolve());
    });
  fn(params).then(
    async (result) => {
      clearInterval(timer);
      await send({ type: "result", result, peakRss: Math.max(peak, ownHwm()) });
      process.exit(0);
    },
    async (error: unknown) => {
      clearInterval(timer);
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      const cause = error instanceof Error && error.cause ? `\ncaused by: ${String(error.cause)}` : "";
      await send({ type: "error", error: text + cause, peakRss: Math.max(peak, ownHwm()) });
      process.exit(1);
    },
  );
}

/** Monotonic stopwatch in ms. */
export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}
