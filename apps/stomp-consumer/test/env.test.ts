import { randomUUID } from "node:crypto";
import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { readConsumerConfig } from "../src/index.js";

describe("stomp-consumer environment", () => {
  it("applies the documented defaults", () => {
    const c = readConsumerConfig({
      STOMP_DESTINATION: "/queue/attendances",
      SINK_URL: "mongodb://127.0.0.1:27017/app",
    });
    expect(c).toMatchObject({
      stomp: { url: "stomp://127.0.0.1:61613", destination: "/queue/attendances" },
      sink: { kind: "mongodb" },
      table: "attendances",
      recordKey: ["_message_id"],
      recordSchema: "none",
      batch: { maxRecords: 500, maxLatencyMs: 1000 },
      exitWhenIdleMs: undefined,
    });
  });

  it("reads every variable", () => {
    const c = readConsumerConfig({
      STOMP_URL: "stomp+ssl://b-1.mq.us-east-1.amazonaws.com:61614",
      STOMP_LOGIN: "etl",
      STOMP_PASSCODE: ["pc", randomUUID()].join("_"),
      STOMP_DESTINATION: "/topic/attendances",
      STOMP_SUBSCRIPTION: "etl-1",
      SINK_URL: "s3://my-bucket/raw",
      SINK_TABLE: "events",
      RECORD_KEY: "protocol, channel",
      RECORD_SCHEMA: "attendance",
      DEAD_LETTER_DESTINATION: "/queue/attendances.errors",
      BATCH_MAX_RECORDS: "200",
      BATCH_MAX_MS: "250",
      EXIT_WHEN_IDLE_MS: "5000",
    });
    expect(c.sink).toEqual({ kind: "s3", bucket: "my-bucket", prefix: "raw/" });
    expect(c.recordKey).toEqual(["protocol", "channel"]);
    expect(c.stomp.subscription).toBe("etl-1");
    expect(c.exitWhenIdleMs).toBe(5000);
  });

  it("names every bad variable in one error and never prints a secret", () => {
    const password = ["pw", randomUUID()].join("_");
    let error: unknown;
    try {
      readConsumerConfig({
        STOMP_URL: "http://broker",
        STOMP_DESTINATION: "attendances",
        SINK_URL: `postgres://u:${password}@db/app`,
        RECORD_SCHEMA: "xml",
        BATCH_MAX_RECORDS: "0",
        EXIT_WHEN_IDLE_MS: "soon",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(
      [
        "BATCH_MAX_RECORDS",
        "EXIT_WHEN_IDLE_MS",
        "RECORD_SCHEMA",
        "SINK_URL",
        "STOMP_DESTINATION",
        "STOMP_URL",
      ].sort(),
    );
    expect(JSON.stringify((error as ConfigError).toJSON())).not.toContain(password);
  });

  it("requires the destination and the sink, and refuses a durable subscription on a queue", () => {
    expect(() => readConsumerConfig({})).toThrowError(/STOMP_DESTINATION[\s\S]*SINK_URL/);
    expect(() =>
      readConsumerConfig({
        STOMP_DESTINATION: "/queue/a",
        STOMP_SUBSCRIPTION: "s",
        SINK_URL: "mongodb://h/db",
      }),
    ).toThrowError(/STOMP_SUBSCRIPTION/);
    expect(() =>
      readConsumerConfig({ STOMP_DESTINATION: "/queue/a", SINK_URL: "mongodb://h:27017/" }),
    ).toThrowError(/SINK_URL: must name the database/);
  });
});
