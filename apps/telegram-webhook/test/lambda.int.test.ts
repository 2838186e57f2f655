import { randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { dayIn } from "@sluice/source-telegram";
import { afterAll, beforeAll, expect, test } from "vitest";

let s3: S3rverHandle;
const bucket = uniqueName("tg-webhook-lambda");
const secret = ["lambda", randomUUID().replaceAll("-", "")].join("_");

beforeAll(async () => {
  s3 = await startS3rver();
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  // the Lambda reads its configuration from the environment at cold start (this worker is its own process)
  Object.assign(process.env, s3rverEnv(s3.endpoint), {
    RAW_BUCKET: bucket,
    TELEGRAM_SECRET_TOKEN: secret,
    LOG_LEVEL: "silent",
  });
});
afterAll(async () => {
  await s3?.close();
});

const event = (body: string, token: string) => ({
  version: "2.0",
  routeKey: "POST /telegram",
  rawPath: "/telegram",
  headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": token },
  requestContext: { http: { method: "POST", path: "/telegram" }, stage: "$default" },
  body: Buffer.from(body).toString("base64"),
  isBase64Encoded: true,
});

test("dist/lambda.js handler: an HTTP API v2 event is stored; a wrong secret is 401", async () => {
  const { handler } = await import("../src/lambda.js");
  const body =
    '{"update_id":424242,"message":{"message_id":1,"chat":{"id":-100,"type":"supergroup","title":"Ação 🚀"},"date":1767236400,"text":"olá"}}';
  expect((await handler(event(body, `${secret}x`))).statusCode).toBe(401);
  expect((await handler(event(body, secret))).statusCode).toBe(200);
  const key = `telegram/context_date=${dayIn(new Date(), "America/Sao_Paulo")}/424242.json`;
  const stored = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  expect(await stored.Body!.transformToString("utf8")).toBe(body);
});
