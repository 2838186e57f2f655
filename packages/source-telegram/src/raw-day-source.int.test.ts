import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DataError, type JsonObject, type ReadOptions, silentLogger } from "@sluice/core";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rawDaySource } from "./raw-day-source.js";

let s3: S3rverHandle;
const bucket = `tg-rawday-${process.pid}-${Date.now().toString(36)}`;
const warnings: string[] = [];
const ro = (): ReadOptions => ({
  syncMode: "full",
  signal: new AbortController().signal,
  logger: silentLogger(),
  reporter: { call() {}, retry() {}, rateLimitWait() {}, warn: (code) => warnings.push(code), setTotal() {} },
});
const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const msg = (id: number) =>
  JSON.stringify({
    update_id: id,
    message: { message_id: id, chat: { id: -1, type: "group" }, date: 1_767_236_400, text: `m${id}` },
  });

beforeAll(async () => {
  s3 = await startS3rver();
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let id = 100; id < 125; id++) await put(`telegram/context_date=2026-01-01/${id}.json`, msg(id));
  await put(
    "telegram/context_date=2026-01-01/130.json",
    JSON.stringify({ update_id: 130, callback_query: { id: "x" } }),
  );
  await put("telegram/context_date=2026-01-02/200.json", msg(200)); // another day
  await put("bad/context_date=2026-01-01/1.json", msg(1));
  await put("bad/context_date=2026-01-01/2.json", "{ not json");
  await put("bad/context_date=2026-01-01/3.json", msg(3));
});
afterAll(async () => {
  await s3?.close();
});

async function readAll(source: ReturnType<typeof rawDaySource>): Promise<JsonObject[][]> {
  const batches: JsonObject[][] = [];
  for await (const m of source.read("telegram_messages", ro()))
    if (m.kind === "records") batches.push(m.records);
  return batches;
}

describe("rawDaySource", () => {
  test("lists the day page by page, fetches concurrently, yields rows in key order and batches", async () => {
    const source = rawDaySource({
      bucket,
      day: "2026-01-01",
      client: s3.client,
      listPageSize: 4,
      concurrency: 3,
      batchSize: 10,
    });
    const batches = await readAll(source);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((r) => r.update_id)).toEqual(Array.from({ length: 25 }, (_, i) => 100 + i));
    expect(source.stats).toEqual({ objects: 26, rows: 25, withoutMessage: 1, invalidKeys: [] });
  });

  test("an object that is not an Update fails naming its key, or is skipped and reported", async () => {
    const strict = rawDaySource({ bucket, prefix: "bad/", day: "2026-01-01", client: s3.client });
    const error = await readAll(strict).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).location.key).toBe("bad/context_date=2026-01-01/2.json");
    const lenient = rawDaySource({
      bucket,
      prefix: "bad/",
      day: "2026-01-01",
      client: s3.client,
      skipInvalid: true,
    });
    expect((await readAll(lenient)).flat().map((r) => r.update_id)).toEqual([1, 3]);
    expect(lenient.stats.invalidKeys).toEqual(["bad/context_date=2026-01-01/2.json"]);
    expect(warnings).toContain("invalid_update");
  });
});
