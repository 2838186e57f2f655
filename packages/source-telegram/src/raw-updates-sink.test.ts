import { DataError, silentLogger } from "@sluice/core";
import { expect, test } from "vitest";
import { type RawUpdateStore, rawUpdatesSink } from "./raw-store.js";

test("rawUpdatesSink: a commit stores each staged update under the received day; abort discards; non-Updates are refused", async () => {
  const objects = new Map<string, string>();
  const store: RawUpdateStore = {
    async put(key, body) {
      objects.set(key, Buffer.from(body).toString("utf8"));
    },
  };
  const sink = rawUpdatesSink({ store, now: () => new Date("2026-01-02T02:59:59Z") });
  const open = {
    mode: "append" as const,
    runId: "r",
    runStartedAt: new Date(),
    signal: new AbortController().signal,
    logger: silentLogger(),
    delivery: "continuous" as const,
  };
  const writer = await sink.open({ name: "telegram_updates", primaryKey: ["update_id"] }, open);
  await writer.write([
    { update_id: 1, message: { text: "olá 👋" } },
    { update_id: 2, callback_query: { id: "x" } },
  ]);
  expect(objects.size).toBe(0); // nothing before the commit
  expect((await writer.commit({ stateKey: "k" })).records).toBe(2);
  expect([...objects.keys()]).toEqual([
    "telegram/context_date=2026-01-01/1.json",
    "telegram/context_date=2026-01-01/2.json",
  ]);
  expect(JSON.parse(objects.get("telegram/context_date=2026-01-01/1.json")!)).toEqual({
    update_id: 1,
    message: { text: "olá 👋" },
  });
  await writer.write([{ update_id: 3 }]);
  await writer.abort(new Error("stop"));
  expect((await writer.commit({ stateKey: "k" })).records).toBe(0);
  await expect(writer.write([{ id: 4 }])).rejects.toBeInstanceOf(DataError);
});
