import { memoryStateStore, runContinuous } from "@sluice/core";
import { memorySink } from "@sluice/core/testing";
import { startTelegramSimulator, type TelegramSimulator } from "@sluice/telegram-simulator";
import { afterEach, beforeEach, expect, test } from "vitest";
import { telegramPollingSource } from "./polling-source.js";

let sim: TelegramSimulator;
beforeEach(async () => {
  sim = await startTelegramSimulator();
});
afterEach(async () => {
  await sim.close();
});

test("on runContinuous: every update lands once; the saved offset is the last committed one; a restart resumes from it", async () => {
  const group = sim.group("G");
  const ana = sim.user({ first_name: "Ana" });
  const sent = Array.from({ length: 250 }, (_, i) => sim.sendText(ana, group, `m${i} 🚀`));
  const stateStore = memoryStateStore();
  const sink = memorySink();
  const run = () =>
    runContinuous({
      source: telegramPollingSource({
        token: sim.token,
        baseUrl: sim.url,
        pollTimeoutSeconds: 0,
        shortPollDelayMs: 20,
        limit: 100,
      }),
      sink,
      streams: ["telegram_updates"],
      writeMode: "append",
      stateStore,
      batch: { maxRecords: 100, maxLatencyMs: 50 },
      exitWhenIdleMs: 400,
    });
  const first = await run();
  expect(first.status).toBe("succeeded");
  const landed = sink.tables.get("telegram_updates") ?? [];
  expect(landed.map((r) => r.update_id)).toEqual(sent.map((u) => u.update_id));
  const saved = await stateStore.load("telegram-polling/telegram_updates");
  expect(saved).toEqual({ offset: sent.at(-1)!.update_id + 1 });

  const more = sim.sendText(ana, group, "after the restart");
  await run();
  expect((sink.tables.get("telegram_updates") ?? []).map((r) => r.update_id)).toEqual(
    [...sent, more].map((u) => u.update_id),
  );
});
