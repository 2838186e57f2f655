import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import type { JsonObject } from "@sluice/core";
import { runSinkConformance } from "@sluice/core/conformance";
import { decodeRecords, type FormatOptions, formatFromKey } from "@sluice/formats";
import { afterAll, beforeAll } from "vitest";
import type { S3SinkOptions } from "./options.js";
import { s3Sink } from "./sink.js";
import { listKeys } from "./testing/helpers.js";
import { type S3rverHandle, startS3rver } from "./testing/s3rver.js";

let s3: S3rverHandle;
let n = 0;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => s3?.close());

async function readAll(bucket: string, prefix: string): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  for (const key of await listKeys(s3.client, bucket, prefix)) {
    const format = formatFromKey(key);
    if (!format) continue;
    const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = r.Body as unknown as AsyncIterable<Uint8Array>;
    for await (const batch of decodeRecords(body, { ...format, key })) out.push(...batch);
  }
  return out;
}

function suite(
  name: string,
  options: Omit<S3SinkOptions, "bucket" | "client">,
  modes: Array<"replace" | "append">,
) {
  runSinkConformance({
    name,
    modes,
    async setup() {
      const bucket = `conformance-${process.pid}-${++n}`;
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      const sink = s3Sink({ ...options, bucket, client: s3.client });
      return { sink, read: (stream) => readAll(bucket, `data/${stream.name}`) };
    },
  });
}

const jsonl: FormatOptions = { format: "jsonl" };
suite("s3Sink one object per stream (jsonl)", { prefix: "data/", format: jsonl }, ["replace"]);
suite(
  "s3Sink numbered parts (gzipped json, rolling)",
  {
    prefix: "data/",
    keyTemplate: "{prefix}{stream}/part-{n}.{ext}",
    format: { format: "json", gzip: true },
    maxRecordsPerObject: 200,
  },
  ["replace", "append"],
);
suite(
  "s3Sink run-id keys (csv, append)",
  { prefix: "data/", keyTemplate: "{prefix}{stream}/{runId}.{ext}", format: { format: "csv" } },
  ["append"],
);
