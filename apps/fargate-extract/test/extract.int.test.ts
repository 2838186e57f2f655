import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName, waitFor } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const EXTRACT_MAIN = appMain("fargate-extract");

const CONTACTS = 240;
const CONVERSATIONS = 35;

let sim: IntercomSimulator;
let s3: S3rverHandle;

beforeAll(async () => {
  [sim, s3] = await Promise.all([
    startSimulator({
      seed: 7,
      contacts: CONTACTS,
      conversations: CONVERSATIONS,
      companies: 20,
      rateLimit: false,
    }),
    startS3rver(),
  ]);
});
afterAll(async () => {
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

async function newBucket(): Promise<string> {
  const bucket = uniqueName("extract");
  await s3.client.send(new (await import("@aws-sdk/client-s3")).CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function getText(client: S3Client, bucket: string, key: string): Promise<string> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString("utf8")) ?? "";
}

async function keys(bucket: string, prefix = ""): Promise<string[]> {
  const r = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

function extractEnv(bucket: string, extra: Record<string, string | undefined> = {}) {
  return baseEnv({
    ...s3rverEnv(s3.endpoint),
    INTERCOM_ACCESS_TOKEN: sim.token,
    INTERCOM_API_URL: sim.url,
    S3_BUCKET: bucket,
    ...extra,
  });
}

describe("fargate-extract (the built program)", () => {
  it("writes data/users.json and data/conversations.json as JSON arrays, conversations with their parts", async () => {
    const bucket = await newBucket();
    const result = await runApp(EXTRACT_MAIN, extractEnv(bucket));
    expect(result.stderr).not.toContain("failed");
    expect(result.code).toBe(0);

    expect(await keys(bucket)).toEqual([
      "data/_state/contact-ids.json",
      "data/_state/extract/contacts.json",
      "data/_state/extract/conversations.json",
      "data/conversations.json",
      "data/deleted/contacts.json",
      "data/deleted/conversations.json",
      "data/users.json",
    ]);
    // a full run saves the cursors too (one object per stream), and writes "no deletions"
    const state = JSON.parse(await getText(s3.client, bucket, "data/_state/extract/contacts.json")) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(state)).toEqual(["intercom/contacts"]);
    expect(state["intercom/contacts"]).toMatchObject({ known: CONTACTS });
    expect(JSON.parse(await getText(s3.client, bucket, "data/deleted/contacts.json"))).toEqual([]);
    const users = JSON.parse(await getText(s3.client, bucket, "data/users.json")) as Array<
      Record<string, unknown>
    >;
    const conversations = JSON.parse(await getText(s3.client, bucket, "data/conversations.json")) as Array<
      Record<string, unknown>
    >;
    expect(users).toHaveLength(sim.workspace.contacts.length);
    expect(new Set(users.map((u) => u.id))).toEqual(new Set(sim.workspace.contacts.map((c) => c.id)));
    expect(conversations).toHaveLength(sim.workspace.conversations.length);
    for (const c of conversations) {
      const parts = (c.conversation_parts as { conversation_parts?: unknown[] } | undefined)
        ?.conversation_parts;
      expect(Array.isArray(parts), `conversation ${String(c.id)} carries conversation_parts`).toBe(true);
      const expected = sim.workspace.conversation(String(c.id))!.parts.length;
      expect(parts!.length).toBe(Math.min(expected, 500));
    }

    // the final log line is the run report, as JSON
    const done = result.logs.find((l) => l.msg === "fargate-extract succeeded") as
      | { report: { status: string; streams: Array<{ stream: string; records: number }> } }
      | undefined;
    expect(done?.report.status).toBe("succeeded");
    expect(Object.fromEntries(done!.report.streams.map((s) => [s.stream, s.records]))).toEqual({
      contacts: users.length,
      conversations: conversations.length,
    });
    expect(result.stdout).not.toContain(sim.token);
  });

  it("writes another format with the matching extension (jsonl), any source stream", async () => {
    const bucket = await newBucket();
    const result = await runApp(
      EXTRACT_MAIN,
      extractEnv(bucket, {
        OUTPUT_FORMAT: "jsonl",
        INTERCOM_STREAMS: "contacts,admins,tags",
        S3_PREFIX: "raw/intercom",
      }),
    );
    expect(result.stderr).not.toContain("failed");
    expect(result.code).toBe(0);
    expect(await keys(bucket)).toEqual([
      "raw/intercom/_state/contact-ids.json",
      "raw/intercom/_state/extract/contacts.json",
      "raw/intercom/admins.jsonl",
      "raw/intercom/deleted/contacts.jsonl",
      "raw/intercom/tags.jsonl",
      "raw/intercom/users.jsonl",
    ]);
    const lines = (await getText(s3.client, bucket, "raw/intercom/users.jsonl")).trim().split("\n");
    expect(lines).toHaveLength(sim.workspace.contacts.length);
    expect((JSON.parse(lines[0]!) as { type: string }).type).toBe("contact");
    const admins = (await getText(s3.client, bucket, "raw/intercom/admins.jsonl")).trim().split("\n");
    expect(admins).toHaveLength(sim.workspace.admins.length);
  });

  it("keeps incremental state next to the data", async () => {
    const bucket = await newBucket();
    const result = await runApp(EXTRACT_MAIN, extractEnv(bucket, { SYNC_MODE: "incremental" }));
    expect(result.code).toBe(0);
    expect(await keys(bucket, "data/_state/")).toEqual([
      "data/_state/contact-ids.json",
      "data/_state/extract/contacts.json",
      "data/_state/extract/conversations.json",
    ]);
    const state = JSON.parse(await getText(s3.client, bucket, "data/_state/extract/contacts.json")) as Record<
      string,
      unknown
    >;
    expect(Object.keys(state)).toEqual(["intercom/contacts"]);
  });

  it("rejects a bad environment: exit 1, one final line naming every bad variable, no secret", async () => {
    const secretLooking = "tok_abcdefghijklmnop1234";
    const result = await runApp(
      EXTRACT_MAIN,
      baseEnv({
        INTERCOM_ACCESS_TOKEN: secretLooking,
        INTERCOM_API_URL: "not a url",
        OUTPUT_FORMAT: "xml",
        INTERCOM_STREAMS: "contacts,bogus_stream",
        SYNC_MODE: "sometimes",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^fargate-extract failed: config_invalid: /);
    for (const name of ["S3_BUCKET", "INTERCOM_API_URL", "OUTPUT_FORMAT", "INTERCOM_STREAMS", "SYNC_MODE"]) {
      expect(result.lastLine).toContain(name);
    }
    expect(result.lastLine).toContain("bogus_stream");
    expect(result.lastLine).not.toContain("INTERCOM_ACCESS_TOKEN");
    expect(result.stdout + result.stderr).not.toContain(secretLooking);

    const missing = await runApp(EXTRACT_MAIN, baseEnv({}));
    expect(missing.code).toBe(1);
    expect(missing.lastLine).toContain("INTERCOM_ACCESS_TOKEN is required");
    expect(missing.lastLine).toContain("S3_BUCKET is required");
    // the failure is reported on stderr only once
    expect(missing.stderr.match(/fargate-extract failed/g)).toHaveLength(1);
  });

  it("fails fast on a wrong Intercom token without printing it", async () => {
    const bucket = await newBucket();
    const wrong = "wrong-token-0123456789abcdef";
    sim.resetStats();
    const result = await runApp(EXTRACT_MAIN, extractEnv(bucket, { INTERCOM_ACCESS_TOKEN: wrong }));
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^fargate-extract failed: auth_failed: /);
    expect(result.stdout + result.stderr).not.toContain(wrong);
    // one authentication check, no retries, nothing written
    expect(sim.stats().status[401] ?? 0).toBeGreaterThanOrEqual(1);
    expect(sim.stats().requests).toBeLessThanOrEqual(3);
    expect(await keys(bucket)).toEqual([]);
  });

  it("reports a failure to Sentry when SENTRY_DSN is set, with secrets scrubbed", async () => {
    const bodies: Buffer[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const wrong = "wrong-token-for-sentry-test-42";
      const bucket = await newBucket();
      const result = await runApp(
        EXTRACT_MAIN,
        extractEnv(bucket, {
          INTERCOM_ACCESS_TOKEN: wrong,
          SENTRY_DSN: `http://0123456789abcdef@127.0.0.1:${port}/42`,
        }),
      );
      expect(result.code).toBe(1);
      const sent = bodies.map((b) => b.toString("utf8")).join("\n");
      expect(sent).toContain("auth_failed");
      expect(sent).not.toContain(wrong);
      expect(result.stdout + result.stderr).not.toContain(wrong);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("aborts cleanly on SIGTERM mid-run: non-zero exit, no object, no pending upload", async () => {
    const slow = await startSimulator({
      seed: 9,
      contacts: 300,
      conversations: 400,
      latencyMs: 40,
      rateLimit: false,
    });
    try {
      const bucket = await newBucket();
      let terminatedAt = 0;
      const result = await runApp(
        EXTRACT_MAIN,
        extractEnv(bucket, { INTERCOM_ACCESS_TOKEN: slow.token, INTERCOM_API_URL: slow.url }),
        {
          onSpawn: (child) => {
            void waitFor(() => slow.stats().requests >= 20, 30_000, "the extract to be under way").then(
              () => {
                terminatedAt = Date.now();
                child.kill("SIGTERM");
              },
            );
          },
        },
      );
      expect(terminatedAt).toBeGreaterThan(0);
      expect(result.code).toBe(143);
      expect(result.lastLine).toMatch(/^fargate-extract failed: cancelled: /);
      expect(await keys(bucket)).toEqual([]);
      const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
