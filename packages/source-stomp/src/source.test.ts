import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  deadLetterFrame,
  decodeMessage,
  parseBrokerUrl,
  stompSource,
  streamNameOf,
} from "./index.js";

describe("broker URL and options", () => {
  it("parses stomp:// and the TLS schemes used by Amazon MQ", () => {
    expect(parseBrokerUrl("stomp://127.0.0.1:61613")).toEqual({ host: "127.0.0.1", port: 61613, tls: false });
    expect(parseBrokerUrl("stomp+ssl://b-1234-1.mq.us-east-1.amazonaws.com:61614")).toEqual({
      host: "b-1234-1.mq.us-east-1.amazonaws.com",
      port: 61614,
      tls: true,
    });
    expect(parseBrokerUrl("stomp+ssl://mq.example.com")?.port).toBe(61614);
    expect(parseBrokerUrl("http://x:1")).toBeUndefined();
    expect(parseBrokerUrl("stomp://x:70000")).toBeUndefined();
  });

  it("names every bad option at once", () => {
    expect(() =>
      stompSource({ url: "amqp://x", destination: "attendances", subscriptionName: "s", prefetch: 0 }),
    ).toThrowError(/url[\s\S]*destination[\s\S]*prefetch|url[\s\S]*prefetch[\s\S]*destination/);
  });

  it("refuses a durable subscription on a queue", () => {
    expect(() => stompSource({ destination: "/queue/a", subscriptionName: "s" })).toThrowError(
      /subscriptionName/,
    );
  });

  it("derives the stream, the DLQ and the client id", () => {
    const s = stompSource({ destination: "/topic/Attendance.Events", subscriptionName: "etl" });
    expect(s.options.stream).toBe("attendance_events");
    expect(s.options.deadLetterDestination).toBe("/queue/Attendance.Events.DLQ");
    expect(s.options.clientId).toBe("etl");
    expect(s.continuous).toEqual({ maxUnacked: 500 });
    expect(streamNameOf("/queue/x")).toBe("x");
  });
});

describe("backoff", () => {
  it("doubles up to the cap, with half of each step random", () => {
    expect(backoffDelay(0, 500, 30_000, () => 0.5)).toBe(0);
    expect(backoffDelay(1, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(1, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(2000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
  });
});

describe("decoding and dead-letter frames", () => {
  const at = new Date("2026-01-02T03:04:05.000Z");
  const headers = { "message-id": "ID:h-1:1:1:1:7", destination: "/queue/a", redelivered: "true" };

  it("adds the broker metadata to a JSON object", () => {
    expect(decodeMessage({ body: '{"name":"x"}', headers }, at)).toEqual({
      record: {
        name: "x",
        _message_id: "ID:h-1:1:1:1:7",
        _destination: "/queue/a",
        _received_at: at.toISOString(),
      },
    });
  });

  it("never quotes the payload in a reason", () => {
    const d = decodeMessage({ body: '{"document":"123.456.789-09"', headers }, at);
    expect("letter" in d && d.letter.code).toBe("invalid_json");
    expect("letter" in d && d.letter.reason).toBe("message ID:h-1:1:1:1:7 is not valid JSON");
    expect("letter" in d && d.letter.metadata).toMatchObject({ redelivered: true });
  });

  it("sends a rejected record back as received, with its origin and reason in headers", () => {
    const frame = deadLetterFrame({
      code: "schema_violation",
      reason: "field document: invalid CPF check digits",
      payload: { name: "x", _message_id: "ID:9", _destination: "/queue/a", _received_at: at.toISOString() },
      stream: "a",
      at: at.toISOString(),
    });
    expect(JSON.parse(frame.body)).toEqual({ name: "x" });
    expect(frame.headers).toMatchObject({
      "x-sluice-error": "field document: invalid CPF check digits",
      "x-sluice-error-code": "schema_violation",
      "x-sluice-original-message-id": "ID:9",
      "x-sluice-original-destination": "/queue/a",
      "content-type": "application/json",
    });
  });
});
