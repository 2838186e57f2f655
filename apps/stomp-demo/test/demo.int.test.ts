import { appMain, baseEnv, runApp } from "@sluice/app-kit/testing";
import { describe, expect, it } from "vitest";

describe("pnpm demo:stomp (built)", () => {
  it("shows producer → ActiveMQ → consumer → MongoDB with counts that add up", async () => {
    const r = await runApp(appMain("stomp-demo"), baseEnv({}), { killAfterMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("producer:  2000 attendance events published (40 deliberately invalid)");
    expect(r.stdout).toContain("MongoDB:   1960 documents in demo.attendances");
    expect(r.stdout).toContain("DLQ:       40 messages");
    expect(r.stdout).toContain("every event accounted for");
  }, 150_000);
});
