import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { AuthError, ConfigError, PipelineError, runPipeline, silentLogger } from "@sluice/core";
import { memorySource } from "@sluice/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Sink } from "./sink.js";
import {
  bigRecords,
  getBytes,
  listKeys,
  listUploads,
  openOptions,
  parseJsonl,
  putBytes,
  sha256,
} from "./testing/helpers.js";
import { type S3rverHandle, startS3rver } from "./testing/s3rver.js";

const MiB = 1024 * 1024;
const contacts = { name: "contacts", primaryKey: ["id"] };
let s3: S3rverHandle;
let bucketNo = 0;

/** A fresh bucket per test: tests never see each other's objects. */
async function bucket(): Promise<string> {
  const name = `sink-${process.pid}-${++bucketNo}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.close();
});

describe("s3Sink", () => {
  it("makes the object visible only at commit, with a report of keys, counts and sha256", async () => {
    const b = await bucket();
    const sink = s3Sink({ bucket: b, prefix: "raw/", format: { format: "jsonl" }, client: s3.client });
    const writer = await sink.open(contacts, openOptions());
    const records = bigRecords(500, 100);
    await writer.write(records.slice(0, 250));
    await writer.write(records.slice(250));
    expect(await listKeys(s3.client, b)).toEqual([]);

    const report = await writer.commit({ stateKey: "x/contacts" });
    const bytes = await getBytes(s3.client, b, "raw/contacts.jsonl");
    expect(bytes).toBeDefined();
    expect(parseJsonl(bytes!)).toEqual(records);
    expect(report).toMatchObject({
      records: 500,
      bytes: bytes!.byteLength,
      location: `s3://${b}/raw/contacts.jsonl`,
      details: { keys: ["raw/contacts.jsonl"], sha256: sha256(bytes!), format: "jsonl" },
    });
  });

  it("streams a 30 MB object as a multipart upload completed at commit", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      format: { format: "jsonl" },
      partSize: 5 * MiB,
      queueSize: 2,
      client: s3.client,
    });
    const writer = await sink.open(contacts, openOptions());
    for (let i = 0; i < 30; i++) await writer.write(bigRecords(1000, 1000, i * 1000));
    // parts are uploading, nothing visible
    expect(await listUploads(s3.client, b)).toEqual(["contacts.jsonl"]);
    expect(await listKeys(s3.client, b)).toEqual([]);
    const report = await writer.commit({ stateKey: "x/contacts" });
    const bytes = await getBytes(s3.client, b, "contacts.jsonl");
    expect(bytes!.byteLength).toBeGreaterThan(30 * 1000 * 1000);
    expect(report.bytes).toBe(bytes!.byteLength);
    expect(report.details?.sha256).toBe(sha256(bytes!));
    expect((report.details!.objects as Array<{ parts: number }>)[0]!.parts).toBe(
      Math.ceil(bytes!.byteLength / (5 * MiB)),
    );
    const back = parseJsonl(bytes!);
    expect(back.length).toBe(30_000);
    expect(back[29_999]).toEqual(bigRecords(1, 1000, 29_999)[0]);
    expect(await listUploads(s3.client, b)).toEqual([]);
  });

  it("abort after 30 MB leaves no object and no multipart upload", async () => {
    const b = await bucket();
    const sink = s3Sink({ bucket: b, format: { format: "jsonl" }, partSize: 5 * MiB, client: s3.client });
    const writer = await sink.open(contacts, openOptions());
    for (let i = 0; i < 30; i++) await writer.write(bigRecords(1000, 1000, i * 1000));
    expect(await listUploads(s3.client, b)).toHaveLength(1);
    await writer.abort(new Error("test abort"));
    await writer.abort(new Error("again")); // idempotent
    expect(await listKeys(s3.client, b)).toEqual([]);
    expect(await listUploads(s3.client, b)).toEqual([]);
    await expect(writer.write([{ id: 1 }])).rejects.toThrow(/aborted/);
  });

  it("a run failing mid-stream leaves the old object byte-for-byte intact", async () => {
    const b = await bucket();
    const old = Buffer.from('{"id":"old","note":"previous run ✓"}\n');
    await putBytes(s3.client, b, "data/contacts.jsonl", old);
    const sink = s3Sink({
      bucket: b,
      keyTemplate: "data/{stream}.{ext}",
      format: { format: "jsonl" },
      partSize: 5 * MiB,
      client: s3.client,
    });
    const source = memorySource({
      streams: {
        contacts: {
          records: bigRecords(15_000, 1000),
          batchSize: 500,
          failAfter: 12_000,
          failWith: () => new Error("source exploded"),
        },
      },
    });
    await expect(
      runPipeline({ source, sink, streamRetries: 0, logger: silentLogger(), batch: { maxRecords: 500 } }),
    ).rejects.toBeInstanceOf(PipelineError);
    const after = await getBytes(s3.client, b, "data/contacts.jsonl");
    expect(after?.equals(old)).toBe(true);
    expect(await listUploads(s3.client, b)).toEqual([]);
  });

  it("replace mode swaps the object at the key", async () => {
    const b = await bucket();
    const sink = s3Sink({ bucket: b, format: { format: "jsonl" }, client: s3.client });
    for (const version of [1, 2]) {
      const w = await sink.open(contacts, openOptions("replace"));
      await w.write([{ id: 1, version }]);
      await w.commit({ stateKey: "k" });
    }
    expect(parseJsonl((await getBytes(s3.client, b, "contacts.jsonl"))!)).toEqual([{ id: 1, version: 2 }]);
  });

  it("writes date-partitioned keys from the run start (UTC) and rolls parts", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      prefix: "intercom/",
      keyTemplate: "{prefix}{stream}/date={yyyy}-{mm}-{dd}/hour={hh}/part-{n}.{ext}",
      format: { format: "jsonl", gzip: true },
      maxRecordsPerObject: 400,
      client: s3.client,
    });
    const w = await sink.open(
      contacts,
      openOptions("replace", { runStartedAt: new Date("2023-12-31T23:59:59-05:00") }),
    );
    const records = bigRecords(1000, 50);
    await w.write(records.slice(0, 300));
    await w.write(records.slice(300));
    const report = await w.commit({ stateKey: "k" });
    const dir = "intercom/contacts/date=2024-01-01/hour=04/";
    const keys = await listKeys(s3.client, b);
    expect(keys).toEqual([
      `${dir}part-00000.jsonl.gz`,
      `${dir}part-00001.jsonl.gz`,
      `${dir}part-00002.jsonl.gz`,
    ]);
    const parts = await Promise.all(
      keys.map(async (k) => parseJsonl((await getBytes(s3.client, b, k))!, true)),
    );
    expect(parts.map((p) => p.length)).toEqual([400, 400, 200]);
    expect(parts.flat()).toEqual(records);
    expect(report.details?.keys).toEqual(keys);
    expect(report.location).toContain(`s3://${b}/${dir}part-00000.jsonl.gz`);

    // replace with fewer parts removes the stale higher-numbered parts
    const w2 = await sink.open(
      contacts,
      openOptions("replace", { runStartedAt: new Date("2024-01-01T04:10:00Z") }),
    );
    await w2.write(records.slice(0, 10));
    const r2 = await w2.commit({ stateKey: "k" });
    expect(await listKeys(s3.client, b)).toEqual([`${dir}part-00000.jsonl.gz`]);
    expect(r2.details?.removedStaleKeys).toEqual([`${dir}part-00001.jsonl.gz`, `${dir}part-00002.jsonl.gz`]);
  });

  it("rolls by maxObjectBytes and abort discards every part", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      keyTemplate: "{stream}/part-{n}.{ext}",
      format: { format: "jsonl" },
      maxObjectBytes: 100_000,
      client: s3.client,
    });
    const w = await sink.open(contacts, openOptions());
    for (let i = 0; i < 5; i++) await w.write(bigRecords(100, 1000, i * 100));
    expect((await listUploads(s3.client, b)).length).toBeGreaterThanOrEqual(4);
    await w.abort(new Error("stop"));
    expect(await listUploads(s3.client, b)).toEqual([]);
    expect(await listKeys(s3.client, b)).toEqual([]);
  });

  it("append mode writes a new object per run, continuing {n} after existing keys", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      keyTemplate: "{stream}/part-{n}.{ext}",
      format: { format: "jsonl" },
      client: s3.client,
    });
    for (const id of [1, 2, 3]) {
      const w = await sink.open(contacts, openOptions("append"));
      await w.write([{ id }]);
      await w.commit({ stateKey: "k" });
    }
    const keys = await listKeys(s3.client, b);
    expect(keys).toEqual([
      "contacts/part-00000.jsonl",
      "contacts/part-00001.jsonl",
      "contacts/part-00002.jsonl",
    ]);
    const ids = await Promise.all(
      keys.map(async (k) => parseJsonl((await getBytes(s3.client, b, k))!)[0]!.id),
    );
    expect(ids).toEqual([1, 2, 3]);
  });

  it("append mode with {runId} keys", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      keyTemplate: "{stream}/{runId}.{ext}",
      format: { format: "json" },
      client: s3.client,
    });
    const o1 = openOptions("append");
    const o2 = openOptions("append");
    for (const o of [o1, o2]) {
      const w = await sink.open(contacts, o);
      await w.write([{ id: o.runId }]);
      await w.commit({ stateKey: "k" });
    }
    expect(await listKeys(s3.client, b)).toEqual(
      [`contacts/${o1.runId}.json`, `contacts/${o2.runId}.json`].sort(),
    );
  });

  it("rejects append without a unique key and upsert, at open", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      keys: { contacts: "data/users.json" },
      format: { format: "json" },
      client: s3.client,
    });
    const append = sink.open(contacts, openOptions("append"));
    await expect(append).rejects.toBeInstanceOf(ConfigError);
    await expect(append).rejects.toThrow(/keys\.contacts.*\{runId\} or \{n\}/s);
    await expect(sink.open(contacts, openOptions("upsert"))).rejects.toThrow(/upsert is not supported/);
  });

  it("explicit per-stream keys override the template", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      prefix: "ignored/",
      keys: { contacts: "data/users.json" },
      format: { format: "json" },
      client: s3.client,
    });
    for (const stream of [contacts, { name: "companies", primaryKey: ["id"] }]) {
      const w = await sink.open(stream, openOptions());
      await w.write([{ id: stream.name }]);
      await w.commit({ stateKey: "k" });
    }
    expect(await listKeys(s3.client, b)).toEqual(["data/users.json", "ignored/companies.json"]);
    expect(JSON.parse((await getBytes(s3.client, b, "data/users.json"))!.toString())).toEqual([
      { id: "contacts" },
    ]);
  });

  it("writes the run manifest last, listing every stream's objects", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      format: { format: "csv" },
      manifest: { key: "{prefix}_manifests/{runId}.json" },
      client: s3.client,
    });
    const source = memorySource({ streams: { contacts: { records: 30 }, companies: { records: 12 } } });
    const run = await runPipeline({ source, sink, logger: silentLogger(), runId: "run-manifest" });
    expect(run.status).toBe("succeeded");
    const manifest = JSON.parse((await getBytes(s3.client, b, "_manifests/run-manifest.json"))!.toString());
    expect(Object.keys(manifest.streams).sort()).toEqual(["companies", "contacts"]);
    const entry = manifest.streams.contacts;
    const bytes = (await getBytes(s3.client, b, "contacts.csv"))!;
    expect(entry).toMatchObject({
      keys: ["contacts.csv"],
      records: 30,
      bytes: bytes.byteLength,
      sha256: [sha256(bytes)],
      format: "csv",
    });
  });

  it("reports CSV keys outside the columns as a warning", async () => {
    const b = await bucket();
    const sink = s3Sink({
      bucket: b,
      format: { format: "csv", csv: { columns: ["id", "name"] } },
      client: s3.client,
    });
    const w = await sink.open(contacts, openOptions());
    await w.write([
      { id: 1, name: "a", extra: true },
      { id: 2, name: "b", extra: false, more: 1 },
    ]);
    const report = await w.commit({ stateKey: "k" });
    expect(report.details?.unknownKeys).toEqual({ extra: 2, more: 1 });
    expect(String((report.details!.warnings as string[])[0])).toMatch(/extra \(2\)/);
    expect((await getBytes(s3.client, b, "contacts.csv"))!.toString()).toBe("id,name\n1,a\n2,b\n");
  });

  it("cancels uploads when the run's AbortSignal fires", async () => {
    const b = await bucket();
    const controller = new AbortController();
    const sink = s3Sink({ bucket: b, format: { format: "jsonl" }, partSize: 5 * MiB, client: s3.client });
    const w = await sink.open(contacts, openOptions("replace", { signal: controller.signal }));
    await w.write(bigRecords(6000, 1000));
    controller.abort(new Error("SIGTERM"));
    await expect(w.write(bigRecords(10, 10))).rejects.toThrow(/cancelled|aborted/);
    await w.abort(new Error("SIGTERM"));
    expect(await listUploads(s3.client, b)).toEqual([]);
    expect(await listKeys(s3.client, b)).toEqual([]);
  });

  it("validates options, listing every bad field", () => {
    try {
      s3Sink({
        bucket: "Bad_Bucket",
        keyTemplate: "{stream}/{day}.{ext}",
        format: { format: "xml" as never },
        partSize: 1024,
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const fields = (e as ConfigError).issues.map((i) => i.field);
      expect(new Set(fields)).toEqual(new Set(["bucket", "keyTemplate", "format.format", "partSize"]));
    }
    expect(() => s3Sink({ bucket: "ok-bucket", maxRecordsPerObject: 10, client: s3.client })).toThrow(
      /keyTemplate: must contain \{n\}/,
    );
  });

  describe("check()", () => {
    it("passes for an existing bucket", async () => {
      const b = await bucket();
      await expect(s3Sink({ bucket: b, client: s3.client }).check()).resolves.toBeUndefined();
    });

    it("ConfigError for a missing bucket", async () => {
      const err = await s3Sink({ bucket: "no-such-bucket-here", client: s3.client })
        .check()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues[0]?.field).toBe("bucket");
    });

    it("AuthError for 403 (HeadBucket has no body: only the status), message redacted", async () => {
      const secret = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("/"); // AWS docs example, assembled
      // the shape the SDK produces for a HeadBucket 403 (s3rver does not check auth on HEAD)
      const forbidden = Object.assign(new Error(`UnknownError secret_access_key=${secret}`), {
        name: "Forbidden",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
      });
      const client = { send: async () => Promise.reject(forbidden), destroy() {} } as unknown as S3Client;
      const err = await s3Sink({ bucket: "some-bucket", client })
        .check()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).message).toMatch(/HTTP 403/);
      expect((err as AuthError).message).not.toContain(secret);
    });
  });
});
