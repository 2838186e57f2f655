import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type S3rverHandle, startS3rver } from "./s3rver.js";

let s3: S3rverHandle;
beforeAll(async () => {
  s3 = await startS3rver({ buckets: ["helper-bucket"] });
});
afterAll(async () => s3?.close());

it("serves objects on a random local port with plain (not aws-chunked) bodies", async () => {
  expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await s3.client.send(new PutObjectCommand({ Bucket: "helper-bucket", Key: "a/b.txt", Body: "hello ✓" }));
  const r = await s3.client.send(new GetObjectCommand({ Bucket: "helper-bucket", Key: "a/b.txt" }));
  expect(await r.Body!.transformToString()).toBe("hello ✓");
});

it("adds ListMultipartUploads and AbortMultipartUpload to s3rver", async () => {
  const Bucket = "helper-bucket";
  const created = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: "x/y.bin" }));
  await s3.client.send(
    new UploadPartCommand({
      Bucket,
      Key: "x/y.bin",
      UploadId: created.UploadId,
      PartNumber: 1,
      Body: Buffer.alloc(10),
    }),
  );
  const listed = await s3.client.send(new ListMultipartUploadsCommand({ Bucket }));
  expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["x/y.bin", created.UploadId]]);
  await s3.client.send(
    new AbortMultipartUploadCommand({ Bucket, Key: "x/y.bin", UploadId: created.UploadId }),
  );
  expect((await s3.client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  await expect(
    s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key: "x/y.bin", UploadId: created.UploadId })),
  ).rejects.toMatchObject({ name: "NoSuchUpload" });
});
