import { appMain, baseEnv, runApp } from "@sluice/app-kit/testing";
import { drain, uniqueName } from "@sluice/source-stomp/testing";
import { describe, expect, it } from "vitest";
import { generateEvents } from "../src/index.js";

describe("stomp-producer against ActiveMQ (built app)", () => {
  it("publishes COUNT persistent messages at RATE, in the order and content the seed gives", async () => {
    const queue = `/queue/${uniqueName("producer")}`;
    const started = Date.now();
    const r = await runApp(
      appMain("stomp-producer"),
      baseEnv({ STOMP_DESTINATION: queue, COUNT: "30", RATE: "100", SEED: "11", INVALID_RATIO: "0.1" }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // 30 messages at 100/s
    const got = await drain(queue);
    expect(got.map((m) => m.body)).toEqual([...generateEvents(30, 11, 0.1)].map((e) => e.body));
    expect(got.every((m) => m.headers.persistent === "true")).toBe(true);
  });
});
