import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import type { RunReport } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { datadogConfig, datadogFields } from "./env.js";
import { commitMetrics, dogStatsd, encodeMetric, packDatagrams, runMetrics } from "./metrics.js";

/** A local UDP socket standing in for the Datadog agent: records every datagram. */
async function fakeAgent() {
  const socket = createSocket("udp4");
  const datagrams: string[] = [];
  socket.on("message", (m) => datagrams.push(m.toString("utf8")));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const { port } = socket.address() as AddressInfo;
  return {
    port,
    datagrams,
    async lines(count: number): Promise<string[]> {
      const deadline = Date.now() + 5_000;
      while (datagrams.flatMap((d) => d.split("\n")).length < count && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
      return datagrams.flatMap((d) => d.split("\n"));
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

function sampleReport(): RunReport {
  const at = new Date(0).toISOString();
  const stream = {
    status: "committed" as const,
    syncMode: "full" as const,
    writeMode: "replace" as const,
    batches: 1,
    durationMs: 10,
    calls: 3,
    retries: 0,
    attempts: 1,
    rateLimitWaits: 2,
    rateLimitWaitMs: 50,
    warnings: [],
  };
  return {
    runId: "r",
    source: "memory",
    sink: "memory",
    status: "succeeded",
    startedAt: at,
    finishedAt: at,
    durationMs: 1234,
    records: 7,
    bytes: 700,
    streams: [
      { ...stream, stream: "contacts", records: 5, bytes: 500, throttled429: 2 },
      { ...stream, stream: "tags", records: 2, bytes: 200, throttled429: 0 },
    ],
  };
}

describe("DogStatsD metrics", () => {
  it("encodes name:value|type|#tags and keeps datagrams under one packet", () => {
    expect(
      encodeMetric({ name: "sluice.run.records", type: "c", value: 7, tags: ["stream:a|b"] }, ["env:prod"]),
    ).toBe("sluice.run.records:7|c|#env:prod,stream:a_b");
    expect(encodeMetric({ name: "x", type: "g", value: 1.5 })).toBe("x:1.5|g");
    const lines = Array.from({ length: 100 }, (_, i) => `sluice.stream.records:${i}|c|#stream:s${i}`);
    const packed = packDatagrams(lines);
    expect(packed.length).toBeGreaterThan(1);
    expect(packed.every((d) => Buffer.byteLength(d) <= 1432)).toBe(true);
    expect(packed.join("\n").split("\n")).toEqual(lines);
  });

  it("is configured only when DD_AGENT_HOST is set; port 8125 and unified tags", () => {
    const schema = z.object(datadogFields);
    expect(datadogConfig(schema.parse({}))).toBeUndefined();
    expect(datadogConfig(schema.parse({ DD_AGENT_HOST: "  " }))).toBeUndefined();
    expect(
      datadogConfig(schema.parse({ DD_AGENT_HOST: "10.0.0.5", DD_ENV: "prod", DD_SERVICE: "extract" })),
    ).toEqual({
      host: "10.0.0.5",
      port: 8125,
      tags: ["env:prod", "service:extract"],
    });
    expect(schema.safeParse({ DD_DOGSTATSD_PORT: "99999" }).success).toBe(false);
  });

  it("sends a run's records, bytes, duration, 429s and dead letters, and a commit's lag, over UDP", async () => {
    const agent = await fakeAgent();
    const client = dogStatsd({ host: "127.0.0.1", port: agent.port, tags: ["env:test"] });
    const metrics = [
      ...runMetrics("unit-task", sampleReport()),
      ...commitMetrics("unit-task", { stream: "events", records: 3, deadLetters: 1, latencyMs: 250 }),
    ];
    await client.send(metrics);
    await client.close();
    const lines = await agent.lines(metrics.length);
    await agent.close();
    expect(lines).toEqual(
      expect.arrayContaining([
        "sluice.run.count:1|c|#env:test,task:unit-task,status:succeeded",
        "sluice.run.duration_ms:1234|g|#env:test,task:unit-task",
        "sluice.run.records:7|c|#env:test,task:unit-task",
        "sluice.run.bytes:700|c|#env:test,task:unit-task",
        "sluice.stream.records:5|c|#env:test,task:unit-task,stream:contacts",
        "sluice.stream.throttled_429:2|c|#env:test,task:unit-task,stream:contacts",
        "sluice.stream.dead_letters:0|c|#env:test,task:unit-task,stream:tags",
        "sluice.stream.dead_letters:1|c|#env:test,task:unit-task,stream:events",
        "sluice.stream.lag_ms:250|g|#env:test,task:unit-task,stream:events",
      ]),
    );
    expect(lines).toHaveLength(metrics.length);
  });
});
