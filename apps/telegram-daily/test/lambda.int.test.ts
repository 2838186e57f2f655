import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { listKeys, putText } from "./support.js";

let s3: S3rverHandle;
const raw = uniqueName("tg-lambda-raw");
const enriched = uniqueName("tg-lambda-enriched");

beforeAll(async () => {
  s3 = await startS3rver();
  for (const Bucket of [raw, enriched]) await s3.client.send(new CreateBucketCommand({ Bucket }));
  // the Lambda reads its configuration from the environment at cold start (this worker is its own process)
  Object.assign(process.env, s3rverEnv(s3.endpoint), {
    RAW_BUCKET: raw,
    ENRICHED_BUCKET: enriched,
    LOG_LEVEL: "silent",
  });
});
afterAll(async () => {
  await s3?.close();
});

test("the scheduled invocation processes D-1 of the scheduled time (a late retry processes the same day); event.date overrides", async () => {
  await putText(
    s3.client,
    raw,
    "telegram/context_date=2026-01-01/1.json",
    '{"update_id":1,"message":{"message_id":1,"chat":{"id":-1,"type":"group"},"date":1767236400,"text":"a"}}',
  );
  const { handler } = await import("../src/lambda.js");
  // scheduled at 00:00 São Paulo on 2 Jan, invoked (retried) hours later: still 1 Jan
  expect(await handler({ scheduledTime: "2026-01-02T03:00:00Z" })).toEqual({
    day: "2026-01-01",
    key: "telegram/context_date=2026-01-01/telegram.parquet",
    records: 1,
  });
  expect(await handler({ date: "2026-01-05" })).toMatchObject({ day: "2026-01-05", records: 0 });
  await expect(handler({ date: "2026-13-01" })).rejects.toThrow(/date/);
  expect(await listKeys(s3.client, enriched)).toEqual([
    "telegram/context_date=2026-01-01/telegram.parquet",
    "telegram/context_date=2026-01-05/telegram.parquet",
  ]);
});
