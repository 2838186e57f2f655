/**
 * Worker: `count` webhook deliveries on loopback, `concurrency` at a time, into s3rver.
 * `webhook`: POSTs to telegram-webhook's HTTP server (secret check, validation, PutObject, 200).
 * `bare`: a hand-written node:http handler that PUTs every body (no secret check, no validation):
 *   the same HTTP + S3 work without Sluice, and the baseline of the ratio.
 * `put`: the same bodies as direct PutObjects (no HTTP at all), a diagnostic floor.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { startWebhookServer } from "@sluice/telegram-webhook";
import { syntheticUpdate } from "../data/telegram.js";
import { stopwatch, worker } from "../harness/worker.js";

export interface TelegramWebhookParams {
  endpoint: string;
  bucket: string;
  count: number;
  concurrency: number;
  mode: "webhook" | "bare" | "put";
}
export interface TelegramWebhookResult {
  ms: number;
  latenciesMs: { p50: number; p99: number };
  failures: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

worker<TelegramWebhookParams, TelegramWebhookResult>(async (p) => {
  const clientConfig: S3ClientConfig = {
    endpoint: p.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  const secretToken = `bench_${Date.now().toString(36)}`;
  const server =
    p.mode === "webhook"
      ? await startWebhookServer(
          {
            secretToken,
            rawBucket: p.bucket,
            rawPrefix: "webhook/",
            timeZone: "America/Sao_Paulo",
            port: 0,
            forcePathStyle: true,
            logLevel: "warn",
          },
          { s3ClientConfig: clientConfig },
        )
      : undefined;
  const client = new S3Client(clientConfig);
  const bare = p.mode === "bare" ? await bareServer(client, p.bucket) : undefined;
  const port = server?.port ?? bare?.port;
  const send = async (i: number): Promise<boolean> => {
    const body = syntheticUpdate(800_000_000 + i, "2026-01-01");
    if (port !== undefined) {
      const r = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secretToken },
        body,
      });
      await r.arrayBuffer();
      return r.status === 200;
    }
    await client.send(
      new PutObjectCommand({
        Bucket: p.bucket,
        Key: `put/context_date=2026-01-01/${800_000_000 + i}.json`,
        Body: body,
        ContentType: "application/json",
      }),
    );
    return true;
  };
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const elapsed = stopwatch();
  await Promise.all(
    Array.from({ length: p.concurrency }, async () => {
      while (next < p.count) {
        const i = next++;
        const t = stopwatch();
        if (!(await send(i))) failures++;
        latencies.push(t());
      }
    }),
  );
  const ms = elapsed();
  await server?.close();
  await bare?.close();
  client.destroy();
  latencies.sort((a, b) => a - b);
  return { ms, latenciesMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }, failures };
});

/** The naive webhook: read the body, PutObject it under its update_id, answer 200. */
async function bareServer(
  client: S3Client,
  bucket: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const id = (JSON.parse(body.toString("utf8")) as { update_id: number }).update_id;
      client
        .send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `bare/context_date=2026-01-01/${id}.json`,
            Body: body,
            ContentType: "application/json",
          }),
        )
        .then(
          () => res.writeHead(200).end("{}"),
          () => res.writeHead(500).end(),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
