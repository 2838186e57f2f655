import { gunzipSync } from "node:zlib";
import { ConfigError } from "@sluice/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { getBytes, listKeys, sha256 } from "./testing/helpers.js";
import { type S3rverHandle, startS3rver } from "./testing/s3rver.js";
import { writeToS3 } from "./write-to-s3.js";

/** AWS documentation's example key id, assembled at run time (no credential-shaped literal). */
const EXAMPLE_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");

let s3: S3rverHandle;
const bucket = "seed-bucket";
const other = "other-bucket";
beforeAll(async () => {
  s3 = await startS3rver({ buckets: [bucket, other] });
});
afterAll(async () => s3?.close());

const config = { bucket_name: bucket, aws_region_name: "us-east-1" };

it("lands a key-value payload in the right bucket and folder (default json)", async () => {
  const payload = { id: "c1", name: "Zoë 😀", tags: ["a", "b"] };
  const r = await writeToS3({ ...config, bucket_path: "exports/intercom/" }, payload, { client: s3.client });
  expect(r.location).toBe(`s3://${bucket}/exports/intercom/payload.json`);
  expect(await listKeys(s3.client, bucket, "exports/")).toEqual(["exports/intercom/payload.json"]);
  expect(await listKeys(s3.client, other)).toEqual([]);
  const bytes = (await getBytes(s3.client, bucket, "exports/intercom/payload.json"))!;
  expect(JSON.parse(bytes.toString("utf8"))).toEqual([payload]);
  expect(r.sha256).toBe(sha256(bytes));
});

it("writes an array of records to an explicit key as gzipped jsonl", async () => {
  const records = [{ id: 1 }, { id: 2, note: "two" }];
  const r = await writeToS3(
    { ...config, bucket_name: other, bucket_path: "daily/contacts.jsonl.gz", format: "jsonl", gzip: true },
    records,
    { client: s3.client },
  );
  expect(r).toMatchObject({ bucket: other, key: "daily/contacts.jsonl.gz", records: 2 });
  const text = gunzipSync((await getBytes(s3.client, other, "daily/contacts.jsonl.gz"))!).toString();
  expect(text).toBe('{"id":1}\n{"id":2,"note":"two"}\n');
});

it("builds its own client from the config (clientConfig supplies the endpoint)", async () => {
  const { credentials, endpoint, forcePathStyle, requestChecksumCalculation, responseChecksumValidation } =
    s3.clientConfig;
  const r = await writeToS3({ ...config, bucket_path: "csv/", format: "csv" }, [{ id: 1, name: "a" }], {
    clientConfig: {
      credentials,
      endpoint,
      forcePathStyle,
      requestChecksumCalculation,
      responseChecksumValidation,
    },
  });
  expect((await getBytes(s3.client, bucket, r.key))!.toString()).toBe("id,name\n1,a\n");
});

it("lists every bad field before making any request", async () => {
  const err = await writeToS3(
    {
      bucket_name: "UPPER..case",
      bucket_path: "../x",
      aws_region_name: "moon-1",
      aws_access_key_id: EXAMPLE_KEY_ID,
    } as never,
    { a: 1 },
    { client: s3.client },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect(new Set((err as ConfigError).issues.map((i) => i.field))).toEqual(
    new Set(["bucket_name", "bucket_path", "aws_region_name", "aws_secret_access_key"]),
  );
  expect((err as Error).message).not.toContain(EXAMPLE_KEY_ID);
});

it("uploads a payload larger than one part as a multipart upload through the sink's object upload", async () => {
  const records = Array.from({ length: 3000 }, (_, i) => ({ id: i, text: "x".repeat(3000) }));
  const r = await writeToS3({ ...config, bucket_path: "big/payload.jsonl", format: "jsonl" }, records, {
    client: s3.client,
  });
  const bytes = (await getBytes(s3.client, bucket, "big/payload.jsonl"))!;
  expect(bytes.byteLength).toBeGreaterThan(8 * 1024 * 1024);
  expect(r).toMatchObject({ records: 3000, bytes: bytes.byteLength, sha256: sha256(bytes) });
});

it("aborts on the signal: nothing lands", async () => {
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  const err = await writeToS3(
    { ...config, bucket_path: "cancelled/x.json" },
    { a: 1 },
    {
      client: s3.client,
      signal: controller.signal,
    },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(await listKeys(s3.client, bucket, "cancelled/")).toEqual([]);
});
