/**
 * Worker: one day of `count` raw Telegram updates → one Parquet file, through the synthetic S3.
 * `sluice`: telegram-daily's runDaily (streamed listing and reads, row groups uploaded as they
 * are encoded). `naive`: list everything, read every object into memory, flatten, encode the
 * whole day at once, one PutObject.
 */
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { createEncoder } from "@sluice/formats";
import { MESSAGE_ROW_SCHEMA, messageRow, parseUpdate } from "@sluice/source-telegram";
import { runDaily } from "@sluice/telegram-daily";
import { SyntheticS3 } from "../data/telegram.js";
import { stopwatch, worker } from "../harness/worker.js";

export interface TelegramDailyParams {
  count: number;
  mode: "sluice" | "naive";
}
export interface TelegramDailyResult {
  ms: number;
  rows: number;
  bytes: number;
}

const DAY = "2026-01-01";

async function naive(s3: SyntheticS3): Promise<{ rows: number }> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2(
    { client: s3 },
    { Bucket: "raw", Prefix: `telegram/context_date=${DAY}/` },
  ))
    for (const o of page.Contents ?? []) keys.push(o.Key!);
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < keys.length; i += 16) {
    const batch = await Promise.all(
      keys
        .slice(i, i + 16)
        .map(async (Key) =>
          (await s3.send(new GetObjectCommand({ Bucket: "raw", Key }))).Body!.transformToByteArray(),
        ),
    );
    bodies.push(...batch);
  }
  const rows = bodies.map((b) => messageRow(parseUpdate(b), DAY)).filter((r) => r !== undefined);
  const encoder = createEncoder({
    format: "parquet",
    parquet: { schema: MESSAGE_ROW_SCHEMA, rowGroupSize: rows.length || 1 },
  });
  const body = Buffer.concat([...(await encoder.encode(rows)), ...(await encoder.finish())]);
  await s3.send(
    new PutObjectCommand({
      Bucket: "enriched",
      Key: `telegram/context_date=${DAY}/telegram.parquet`,
      Body: body,
      ContentLength: body.byteLength,
    }),
  );
  return { rows: rows.length };
}

worker<TelegramDailyParams, TelegramDailyResult>(async (p) => {
  const s3 = new SyntheticS3(p.count, "telegram/", DAY);
  const elapsed = stopwatch();
  let rows: number;
  if (p.mode === "naive") rows = (await naive(s3)).rows;
  else {
    const report = await runDaily(
      {
        rawBucket: "raw",
        rawPrefix: "telegram/",
        enrichedBucket: "enriched",
        enrichedPrefix: "telegram/",
        timeZone: "America/Sao_Paulo",
        date: DAY,
        skipInvalid: false,
        forcePathStyle: false,
        logLevel: "warn",
      },
      { s3Client: s3 },
    );
    rows = report.records;
  }
  return { ms: elapsed(), rows, bytes: s3.uploadedBytes };
});
