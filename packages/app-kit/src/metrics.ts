/**
 * Run metrics as DogStatsD over UDP, for the Datadog agent next to the task (sidecar or host).
 * Enabled when DD_AGENT_HOST is set (see `datadogFields`); a tiny encoder over node:dgram, no
 * client library. Sending never fails a run: UDP is fire-and-forget and errors are logged.
 *
 * Metric names (all tagged `task:<name>` plus DD_ENV/DD_SERVICE/DD_VERSION as env/service/version):
 *   sluice.run.count            count  1 per run, tag status:succeeded|failed|cancelled
 *   sluice.run.duration_ms      gauge  run wall time
 *   sluice.run.records / .bytes count  records and JSON bytes moved
 *   sluice.stream.records / .bytes / .throttled_429 / .dead_letters   count, tag stream
 *   sluice.stream.lag_ms        gauge  commit latency of a continuous stream, tag stream
 */
import { createSocket, type Socket } from "node:dgram";
import type { Logger, RunReport } from "@sluice/core";

export interface DatadogConfig {
  /** DogStatsD agent host (DD_AGENT_HOST). */
  host: string;
  /** DogStatsD UDP port (DD_DOGSTATSD_PORT), 8125 by default. */
  port: number;
  /** Tags added to every metric, e.g. ["env:prod", "service:intercom-extract"]. */
  tags: string[];
}

export type MetricType = "c" | "g" | "h" | "d";

export interface Metric {
  name: string;
  type: MetricType;
  value: number;
  tags?: readonly string[];
}

export interface MetricsClient {
  send(metrics: readonly Metric[]): Promise<void>;
  close(): Promise<void>;
}

/** DogStatsD datagrams stay under the agent's default 8 KiB buffer; 1,432 bytes fits one IP packet. */
const MAX_DATAGRAM = 1432;

/** One metric as a DogStatsD line: `name:value|type|#tag1,tag2`. */
export function encodeMetric(metric: Metric, baseTags: readonly string[] = []): string {
  const tags = [...baseTags, ...(metric.tags ?? [])].map((t) => t.replace(/[|,#\n]/g, "_"));
  const name = metric.name.replace(/[:|@#\s]/g, "_");
  return `${name}:${metric.value}|${metric.type}${tags.length > 0 ? `|#${tags.join(",")}` : ""}`;
}

/** Packs lines into newline-separated datagrams of at most MAX_DATAGRAM bytes. */
export function packDatagrams(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current = "";
  for (const line of lines) {
    if (current && Buffer.byteLength(current) + 1 + Buffer.byteLength(line) > MAX_DATAGRAM) {
      out.push(current);
      current = "";
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) out.push(current);
  return out;
}

/** A DogStatsD client on one UDP socket. */
export function dogStatsd(config: DatadogConfig): MetricsClient {
  let socket: Socket | undefined;
  const open = () => {
    socket ??= createSocket(config.host.includes(":") ? "udp6" : "udp4");
    socket.unref();
    return socket;
  };
  return {
    async send(metrics) {
      const s = open();
      const datagrams = packDatagrams(metrics.map((m) => encodeMetric(m, config.tags)));
      for (const datagram of datagrams) {
        await new Promise<void>((resolve, reject) =>
          s.send(datagram, config.port, config.host, (e) => (e ? reject(e) : resolve())),
        );
      }
    },
    async close() {
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** The metrics of one finished run (see the module comment for the names). */
export function runMetrics(task: string, report: RunReport): Metric[] {
  const base = [`task:${task}`];
  const metrics: Metric[] = [
    { name: "sluice.run.count", type: "c", value: 1, tags: [...base, `status:${report.status}`] },
    { name: "sluice.run.duration_ms", type: "g", value: report.durationMs, tags: base },
    { name: "sluice.run.records", type: "c", value: report.records, tags: base },
    { name: "sluice.run.bytes", type: "c", value: report.bytes, tags: base },
  ];
  for (const s of report.streams) {
    const tags = [...base, `stream:${s.stream}`];
    const deadLetters = (s as { deadLetters?: unknown }).deadLetters;
    metrics.push(
      { name: "sluice.stream.records", type: "c", value: s.records, tags },
      { name: "sluice.stream.bytes", type: "c", value: s.bytes, tags },
      { name: "sluice.stream.throttled_429", type: "c", value: s.throttled429, tags },
      {
        name: "sluice.stream.dead_letters",
        type: "c",
        value: typeof deadLetters === "number" ? deadLetters : 0,
        tags,
      },
    );
  }
  return metrics;
}

/** What a continuous run reports per commit (core's `onCommit`). */
export interface CommitEvent {
  stream: string;
  records: number;
  deadLetters: number;
  latencyMs: number;
}

/** The metrics of one commit of a continuous run: records, dead letters, lag. */
export function commitMetrics(task: string, event: CommitEvent): Metric[] {
  const tags = [`task:${task}`, `stream:${event.stream}`];
  return [
    { name: "sluice.stream.records", type: "c", value: event.records, tags },
    { name: "sluice.stream.dead_letters", type: "c", value: event.deadLetters, tags },
    { name: "sluice.stream.lag_ms", type: "g", value: event.latencyMs, tags },
  ];
}

/** Sends `metrics` and closes the client; a failure is logged, never thrown. */
export async function sendMetrics(
  client: MetricsClient,
  metrics: readonly Metric[],
  logger: Logger,
): Promise<void> {
  try {
    await client.send(metrics);
  } catch (e) {
    logger.warn({ err: e }, "could not send metrics to the Datadog agent");
  } finally {
    await client.close();
  }
}
