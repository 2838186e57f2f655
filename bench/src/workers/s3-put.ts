/**
 * Worker (baseline): the same JSON Lines bytes as one PutObject (or, as a diagnostic, one
 * lib-storage multipart Upload). The body is streamed from the
 * generator with an exact ContentLength (computed in an untimed first pass), so the baseline
 * does not hold the object in memory either.
 */
import { Readable } from "node:stream";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { contactBatches } from "../data/contacts.js";
import { stopwatch, worker } from "../harness/worker.js";

export interface S3PutParams {
  endpoint: string;
  bucket: string;
  key: string;
  count: number;
  /** "put": one PutObject (the baseline); "upload": lib-storage multipart Upload (diagnostic). */
  method?: "put" | "upload";
}
export interface S3PutResult {
  ms: number;
  bytes: number;
}

function* chunks(count: number): Generator<Buffer> {
  for (const batch of contactBatches(count, 1000)) {
    let text = "";
    for (const r of batch) text += `${JSON.stringify(r)}\n`;
    yield Buffer.from(text);
  }
}

worker<S3PutParams, S3PutResult>(async (p) => {
  let bytes = 0;
  for (const c of chunks(p.count)) bytes += c.length;
  const client = new S3Client({
    endpoint: p.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const elapsed = stopwatch();
  if (p.method === "upload") {
    // Same part size and queue as sink-s3's defaults (8 MiB x 4).
    await new Upload({
      client,
      params: {
        Bucket: p.bucket,
        Key: p.key,
        Body: Readable.from(chunks(p.count)),
        ContentType: "application/x-ndjson",
      },
      partSize: 8 * 1024 * 1024,
      queueSize: 4,
    }).done();
  } else {
    await client.send(
      new PutObjectCommand({
        Bucket: p.bucket,
        Key: p.key,
        Body: Readable.from(chunks(p.count)),
        ContentLength: bytes,
        ContentType: "application/x-ndjson",
      }),
    );
  }
  return { ms: elapsed(), bytes };
});
