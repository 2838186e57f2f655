/** Worker: @sluice/source-intercom against the simulator, through runPipeline into a counting sink. */
import { runPipeline } from "@sluice/core";
import { intercomSource } from "@sluice/source-intercom";
import { countingSink } from "../data/null-sink.js";
import { stopwatch, worker } from "../harness/worker.js";

export interface IntercomSluiceParams {
  url: string;
  token: string;
  streams: string[];
  /** Streams read at once (runPipeline's default 2 when absent). */
  concurrency?: number;
}
export interface IntercomSluiceResult {
  ms: number;
  /** CPU time of the worker process (user + system), ms: independent of machine load. */
  cpuMs?: number;
  records: Record<string, number>;
  rateLimitWaitMs: number;
  retries: number;
  /** Calls the source reported to the runner (the simulator's count is the authority). */
  calls: number;
}

worker<IntercomSluiceParams, IntercomSluiceResult>(async (p) => {
  const counts = new Map<string, number>();
  const source = intercomSource({ accessToken: p.token, baseUrl: p.url });
  const elapsed = stopwatch();
  const report = await runPipeline({
    source,
    sink: countingSink(counts),
    streams: p.streams,
    ...(p.concurrency ? { concurrency: p.concurrency } : {}),
  });
  const ms = elapsed();
  await source.close?.();
  let rateLimitWaitMs = 0;
  let retries = 0;
  let calls = 0;
  for (const s of report.streams) {
    rateLimitWaitMs += s.rateLimitWaitMs;
    retries += s.retries;
    calls += s.calls;
  }
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { ms, cpuMs, records: Object.fromEntries(counts), rateLimitWaitMs, retries, calls };
});
