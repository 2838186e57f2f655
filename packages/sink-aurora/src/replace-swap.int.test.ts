import { afterAll, beforeAll, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import { contact, createTestDatabase, openOptions, stream, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
let sink: AuroraSink;
beforeAll(async () => {
  db = await createTestDatabase();
  sink = auroraSink({ url: db.url, batchRows: 10 });
});
afterAll(async () => {
  await sink?.close();
  await db?.drop();
});

it("a concurrent reader never sees an empty or partial table during a slow replace", async () => {
  let w = await sink.open(stream("contacts"), openOptions("replace"));
  await w.write(Array.from({ length: 300 }, (_, i) => contact(i)));
  await w.commit({ stateKey: "k" });

  const reader = await db.connect();
  const counts: number[] = [];
  const errors: unknown[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        const [r] = await reader.query("SELECT COUNT(*) AS n FROM users");
        counts.push(Number((r as Array<{ n: number }>)[0]?.n));
      } catch (e) {
        errors.push(e);
      }
    }
  })();

  // A slow load: 50 batches with pauses, the reader polling throughout.
  w = await sink.open(stream("contacts"), openOptions("replace"));
  for (let b = 0; b < 50; b++) {
    await w.write(Array.from({ length: 10 }, (_, i) => contact(10_000 + b * 10 + i)));
    await new Promise((r) => setTimeout(r, 2));
  }
  const readsBeforeCommit = counts.length;
  await w.commit({ stateKey: "k" });
  const seenAfterCommit = counts.length;
  while (counts.length < seenAfterCommit + 20) await new Promise((r) => setTimeout(r, 1));
  stop = true;
  await loop;
  await reader.end();

  expect(errors).toEqual([]);
  expect(readsBeforeCommit).toBeGreaterThan(10);
  expect(new Set(counts)).toEqual(new Set([300, 500]));
  expect(counts.at(-1)).toBe(500);
  // Once the new table is visible the old one never comes back.
  expect(counts.slice(counts.indexOf(500)).every((n) => n === 500)).toBe(true);
});
