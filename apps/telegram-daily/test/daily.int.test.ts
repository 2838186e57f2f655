import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type DailyConfig, runDaily } from "../src/index.js";
import { duck, EXPECTED_COLUMNS, getBytes, listKeys, putText } from "./support.js";

const MAIN = appMain("telegram-daily");
let s3: S3rverHandle;
let db: Awaited<ReturnType<typeof duck>>;
const raw = uniqueName("tg-raw");
const enriched = uniqueName("tg-enriched");

beforeAll(async () => {
  [s3, db] = await Promise.all([startS3rver(), duck()]);
  for (const Bucket of [raw, enriched]) await s3.client.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  db?.close();
  await s3?.close();
});

const config = (over: Partial<DailyConfig> = {}): DailyConfig => ({
  rawBucket: raw,
  rawPrefix: "telegram/",
  enrichedBucket: enriched,
  enrichedPrefix: "telegram/",
  timeZone: "America/Sao_Paulo",
  skipInvalid: false,
  forcePathStyle: true,
  logLevel: "silent",
  ...over,
});

const env = (extra: Record<string, string>) =>
  baseEnv({
    ...s3rverEnv(s3.endpoint),
    RAW_BUCKET: raw,
    ENRICHED_BUCKET: enriched,
    LOG_LEVEL: "warn",
    ...extra,
  });

const update = (id: number | string, chatId: number | string, text: string) =>
  `{"update_id":${id},"message":{"message_id":${Number(String(id).slice(-6))},"from":{"id":5123456789,"is_bot":false,"first_name":"Ana"},"chat":{"id":${chatId},"title":"G","type":"supergroup"},"date":1767236400,"text":${JSON.stringify(text)}}}`;

async function seed(
  prefix: string,
  day: string,
  ids: Array<number | string>,
  chatId: number | string = -1001987654321,
) {
  for (const id of ids)
    await putText(s3.client, raw, `${prefix}context_date=${day}/${id}.json`, update(id, chatId, `msg ${id}`));
}

describe("D-1 across the UTC/Brasília boundary (fixed clock)", () => {
  test("at 00:00:30 São Paulo (03:00:30 UTC) the job reads the day that just ended; at 02:59 UTC the one before", async () => {
    const prefix = `d1-${Date.now()}/`;
    await seed(prefix, "2026-01-01", [1, 2]);
    await seed(prefix, "2025-12-31", [3]);
    const c = config({ rawPrefix: prefix, enrichedPrefix: prefix });
    const after = await runDaily(c, {
      s3ClientConfig: s3.clientConfig,
      now: () => new Date("2026-01-02T03:00:30Z"),
    });
    expect([after.day, after.records]).toEqual(["2026-01-01", 2]);
    const before = await runDaily(c, {
      s3ClientConfig: s3.clientConfig,
      now: () => new Date("2026-01-02T02:59:00Z"),
    });
    expect([before.day, before.records]).toEqual(["2025-12-31", 1]);
    expect(await listKeys(s3.client, enriched, prefix)).toEqual([
      `${prefix}context_date=2025-12-31/telegram.parquet`,
      `${prefix}context_date=2026-01-01/telegram.parquet`,
    ]);
  });
});

describe("telegram-daily (black box: dist/main.js)", () => {
  test("an empty day writes a valid Parquet file with zero rows and every column", async () => {
    const prefix = `empty-${Date.now()}/`;
    const r = await runApp(MAIN, env({ RAW_PREFIX: prefix, ENRICHED_PREFIX: prefix, DATE: "2026-02-03" }));
    expect(r.code, r.stderr).toBe(0);
    const bytes = await getBytes(s3.client, enriched, `${prefix}context_date=2026-02-03/telegram.parquet`);
    expect(bytes).toBeDefined();
    const types = await db.query(bytes!, (f) => `DESCRIBE SELECT * FROM ${f}`);
    expect(types.map((t) => `${t.column_name}:${t.column_type}`)).toEqual(EXPECTED_COLUMNS);
    expect(await db.query(bytes!, (f) => `SELECT count(*)::INTEGER AS n FROM ${f}`)).toEqual([{ n: 0 }]);
  });

  test("ids beyond 2^53 keep every digit; a rerun replaces the file; an invalid object fails naming its key and writes nothing", async () => {
    const prefix = `rerun-${Date.now()}/`;
    const day = "2026-03-04";
    const key = `${prefix}context_date=${day}/telegram.parquet`;
    const e = env({ RAW_PREFIX: prefix, ENRICHED_PREFIX: prefix, DATE: day });
    await seed(prefix, day, ["9007199254740993", 10], "-9223372036854775807");
    expect((await runApp(MAIN, e)).code).toBe(0);
    const first = await getBytes(s3.client, enriched, key);
    const rows = await db.query(
      first!,
      (f) => `SELECT update_id::VARCHAR AS u, chat_id::VARCHAR AS c FROM ${f} ORDER BY update_id`,
    );
    expect(rows).toEqual([
      { u: "10", c: "-9223372036854775807" },
      { u: "9007199254740993", c: "-9223372036854775807" },
    ]);

    await seed(prefix, day, [11, 12]);
    expect((await runApp(MAIN, e)).code).toBe(0);
    const second = await getBytes(s3.client, enriched, key);
    expect(await db.query(second!, (f) => `SELECT count(*)::INTEGER AS n FROM ${f}`)).toEqual([{ n: 4 }]);

    const badKey = `${prefix}context_date=${day}/13.json`;
    await putText(s3.client, raw, badKey, '{"not":"an update"}');
    const failed = await runApp(MAIN, e);
    expect(failed.code).toBe(1);
    expect(failed.lastLine).toContain(badKey);
    expect(failed.lastLine).toContain("update_id");
    expect(Buffer.compare((await getBytes(s3.client, enriched, key))!, second!)).toBe(0); // untouched
    expect(await listKeys(s3.client, enriched, prefix)).toEqual([key]);

    const skipped = await runApp(MAIN, { ...e, SKIP_INVALID: "true" });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain(badKey); // reported in the run report
    const third = await getBytes(s3.client, enriched, key);
    expect(await db.query(third!, (f) => `SELECT count(*)::INTEGER AS n FROM ${f}`)).toEqual([{ n: 4 }]);
  });

  test("a bad environment names every bad variable", async () => {
    const r = await runApp(
      MAIN,
      baseEnv({ RAW_BUCKET: "", ENRICHED_BUCKET: "x", DATE: "2026-02-30", PARTITION_TZ: "Mars/Base" }),
    );
    expect(r.code).toBe(1);
    for (const name of ["RAW_BUCKET", "ENRICHED_BUCKET", "DATE", "PARTITION_TZ"])
      expect(r.lastLine).toContain(name);
  });
});
