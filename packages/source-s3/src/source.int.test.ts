import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { ConfigError, DataError, type JsonObject, silentLogger } from "@sluice/core";
import { s3Sink } from "@sluice/sink-s3";
import { describe, expect, it } from "vitest";
import { s3Source } from "./source.js";
import { drain, readOptions, reporter, s3rverFixture } from "./test-helpers.js";

const fixture = s3rverFixture("src");
const bucket = () => fixture.bucket();
const put = (Bucket: string, Key: string, Body: string | Uint8Array) =>
  fixture.s3.client.send(new PutObjectCommand({ Bucket, Key, Body }));

async function failure(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe("s3Source", () => {
  it("discovers the configured streams (primaryKey default id)", async () => {
    const source = s3Source({
      bucket: "any-bucket",
      streams: { contacts: { key: "a.jsonl" }, tickets: { prefix: "t/", primaryKey: ["ticket_id"] } },
      client: fixture.s3.client,
    });
    expect(await source.discover()).toEqual([
      { name: "contacts", primaryKey: ["id"], syncModes: ["full"] },
      { name: "tickets", primaryKey: ["ticket_id"], syncModes: ["full"] },
    ]);
  });

  it("validates options, listing every bad field", () => {
    try {
      s3Source({
        bucket: "Bad_Bucket",
        streams: { Contacts: { key: "a.json", prefix: "x" } },
        batchSize: 0,
      } as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const fields = (e as ConfigError).issues.map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(["bucket", "batchSize"]));
      expect(fields.some((f) => f.startsWith("streams"))).toBe(true);
    }
  });

  it("names the key and line of a bad JSON line", async () => {
    const b = await bucket();
    await put(b, "in/contacts.jsonl", '{"id":1}\n{"id":2}\n{"id":3,\n{"id":4}\n');
    const source = s3Source({
      bucket: b,
      streams: { contacts: { key: "in/contacts.jsonl" } },
      client: fixture.s3.client,
    });
    const err = await failure(drain(source.read("contacts", readOptions())));
    expect(err.code).toBe("data_invalid");
    expect(err.location).toMatchObject({ key: "in/contacts.jsonl", line: 3 });
    expect(err.message).toContain("in/contacts.jsonl");
  });

  it("names the key of a truncated gzip object", async () => {
    const b = await bucket();
    const gz = gzipSync(Buffer.from('{"id":1}\n'.repeat(5000)));
    await put(b, "in/contacts.jsonl.gz", gz.subarray(0, Math.floor(gz.length / 2)));
    const source = s3Source({
      bucket: b,
      streams: { contacts: { prefix: "in/" } },
      client: fixture.s3.client,
    });
    const err = await failure(drain(source.read("contacts", readOptions())));
    expect(err.location.key).toBe("in/contacts.jsonl.gz");
  });

  it("decompresses a gzip object under a .json key, warning with the key", async () => {
    const b = await bucket();
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1 }));
    await put(b, "in/contacts.json", gzipSync(Buffer.from(JSON.stringify(rows))));
    await put(b, "in/tiny.jsonl", Buffer.from('{"id":1}'));
    const source = s3Source({
      bucket: b,
      streams: { contacts: { key: "in/contacts.json" }, tiny: { key: "in/tiny.jsonl" } },
      client: fixture.s3.client,
    });
    const rep = reporter();
    const { records } = await drain(source.read("contacts", readOptions(rep)));
    expect(records).toEqual(rows);
    expect(rep.warnings).toEqual([
      expect.objectContaining({
        code: "gzip_detected",
        message: expect.stringContaining("in/contacts.json"),
      }),
    ]);
    // a plain object shorter than the two magic bytes' worth of chunks still reads whole
    const tiny = reporter();
    expect((await drain(source.read("tiny", readOptions(tiny)))).records).toEqual([{ id: 1 }]);
    expect(tiny.warnings).toEqual([]);
  });

  it("DataError 'object not found' naming the key of a missing object", async () => {
    const b = await bucket();
    const source = s3Source({
      bucket: b,
      streams: { contacts: { key: "nope/contacts.json" } },
      client: fixture.s3.client,
    });
    const err = await failure(drain(source.read("contacts", readOptions())));
    expect(err.code).toBe("data_invalid");
    expect(err.message).toMatch(/^object not found/);
    expect(err.location).toMatchObject({ key: "nope/contacts.json", stream: "contacts" });
  });

  it("ConfigError for a missing bucket in check()", async () => {
    const source = s3Source({
      bucket: "missing-bucket-x",
      streams: { a: { key: "a.json" } },
      client: fixture.s3.client,
    });
    await expect(source.check()).rejects.toBeInstanceOf(ConfigError);
  });

  it("reads every object under a prefix across ListObjectsV2 pages, in key order", async () => {
    const b = await bucket();
    const total = 23;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        put(b, `p/part-${String(i).padStart(3, "0")}.jsonl`, `{"i":${i}}\n{"i":${i},"second":true}\n`),
      ),
    );
    await put(b, "p/folder/", ""); // folder marker: skipped
    await put(b, "p/README.txt", "not data"); // unknown extension: skipped with a warning
    await put(b, "other/x.jsonl", '{"i":-1}\n'); // outside the prefix
    const rep = reporter();
    const source = s3Source({
      bucket: b,
      streams: { parts: { prefix: "p/" } },
      client: fixture.s3.client,
      listPageSize: 5,
    });
    const { records } = await drain(source.read("parts", readOptions(rep)));
    expect(records.length).toBe(total * 2);
    expect(records.filter((r) => !r.second).map((r) => r.i)).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
    // 25 listed keys at 5 per page: at least 5 list calls, plus one GET per data object
    expect(rep.calls).toBeGreaterThanOrEqual(5 + total);
    expect(rep.warnings.map((w) => w.code)).toEqual(["skipped_object"]);
  });

  it("uses the configured format for keys without a known extension", async () => {
    const b = await bucket();
    await put(b, "export.dat", "id,name\n1,Zoë\n");
    const source = s3Source({
      bucket: b,
      streams: { contacts: { key: "export.dat", format: { format: "csv" } }, other: { key: "export.dat" } },
      client: fixture.s3.client,
    });
    expect((await drain(source.read("contacts", readOptions()))).records).toEqual([{ id: "1", name: "Zoë" }]);
    await expect(drain(source.read("other", readOptions()))).rejects.toBeInstanceOf(ConfigError);
  });

  it("reads rolled Parquet parts with ranged GETs, and DuckDB reads the same files", async () => {
    const b = await bucket();
    const input: JsonObject[] = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      name: `name ${i} 😀`,
      score: i / 4,
      active: i % 2 === 0,
    }));
    const sink = s3Sink({
      bucket: b,
      keyTemplate: "{stream}/part-{n}.{ext}",
      format: { format: "parquet", parquet: { rowGroupSize: 500 } },
      maxRecordsPerObject: 1200,
      client: fixture.s3.client,
    });
    const w = await sink.open(
      { name: "scores", primaryKey: ["id"] },
      {
        mode: "replace",
        runId: "pq",
        runStartedAt: new Date(),
        signal: new AbortController().signal,
        logger: silentLogger(),
      },
    );
    await w.write(input);
    const report = await w.commit({ stateKey: "k" });
    const keys = report.details?.keys as string[];
    expect(keys).toEqual([
      "scores/part-00000.parquet",
      "scores/part-00001.parquet",
      "scores/part-00002.parquet",
    ]);

    const source = s3Source({
      bucket: b,
      streams: { scores: { prefix: "scores/" } },
      client: fixture.s3.client,
      batchSize: 400,
    });
    const { records, batches } = await drain(source.read("scores", readOptions()));
    expect(records).toEqual(input);
    expect(Math.max(...batches)).toBeLessThanOrEqual(400);

    // DuckDB reads the objects straight from s3rver's files
    const files = keys.map((k) => join(fixture.s3.directory, b, `${k}._S3rver_object`));
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(", ");
    const result = await conn.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS ids, max(name) AS maxname, sum(score)::DOUBLE AS score, count(*) FILTER (WHERE active)::INTEGER AS act FROM read_parquet([${list}])`,
    );
    const [row] = result.getRowObjects();
    expect(Number(row?.n)).toBe(input.length);
    expect(Number(row?.ids)).toBe(input.reduce((s, r) => s + (r.id as number), 0));
    expect(row?.score).toBe(input.reduce((s, r) => s + (r.score as number), 0));
    expect(Number(row?.act)).toBe(input.filter((r) => r.active).length);
    expect(row?.maxname).toBe([...input.map((r) => r.name as string)].sort().at(-1));
    conn.closeSync();
    db.closeSync();
  });
});
