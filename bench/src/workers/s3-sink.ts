/** Worker: `count` generated contacts through runPipeline + s3Sink (JSON Lines) into s3rver. */
import { HeadObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { runPipeline } from "@sluice/core";
import { s3Sink } from "@sluice/sink-s3";
import { generatedSource } from "../data/source.js";
import { stopwatch, worker } from "../harness/worker.js";

export interface S3SinkParams {
  endpoint: string;
  bucket: string;
  key: string;
  count: number;
}
export interface S3SinkResult {
  ms: number;
  bytes: number;
  records: number;
}

worker<S3SinkParams, S3SinkResult>(async (p) => {
  const clientConfig: S3ClientConfig = {
    endpoint: p.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  const client = new S3Client(clientConfig);
  const elapsed = stopwatch();
  const report = await runPipeline({
    source: generatedSource({ stream: "contacts", count: p.count }),
    sink: s3Sink({ bucket: p.bucket, keys: { contacts: p.key }, format: { format: "jsonl" }, client }),
    streams: ["contacts"],
  });
  const ms = elapsed();
  const head = await client.send(new HeadObjectCommand({ Bucket: p.bucket, Key: p.key }));
  return { ms, bytes: head.ContentLength ?? report.bytes, records: report.records };
});
