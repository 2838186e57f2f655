import { gzipSync } from "node:zlib";
import type { JsonObject } from "@sluice/core";
import { describe, expect, test } from "vitest";
import { createEncoder, decodeRecords, type FormatName } from "./index.js";
import { chunked, contacts, decodeAll, encodeAll, expectDataError } from "./test-helpers.js";

const FORMATS: FormatName[] = ["json", "jsonl", "csv", "parquet"];

/** What a record looks like after a CSV round trip: every value text, null/missing/"" → null, nested → JSON text. */
function asCsv(record: JsonObject, header: string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of header) {
    const v = record[key];
    out[key] =
      v === null || v === undefined || v === ""
        ? null
        : typeof v === "object"
          ? JSON.stringify(v)
          : String(v);
  }
  return out;
}

const sample: JsonObject[] = [
  { id: "1", text: "plain", n: 1, f: 0.25, ok: true, nested: { a: [1, "x", null] } },
  { id: "2", text: "emoji 😀👩‍👩‍👧 and RTL مرحبا שלום", n: -2, f: 1e-9, ok: false, nested: [] },
  {
    id: "3",
    text: 'quotes " and , commas\nnewlines\r\n',
    n: 0,
    f: 3.5,
    ok: true,
    nested: { ключ: "значение" },
  },
  { id: "4", text: null, n: null, f: null, ok: null, nested: null },
  { id: "5", text: "", n: 2 ** 40, f: -0.5, ok: false, nested: { deep: { deeper: { deepest: "ü" } } } },
];

describe.each(FORMATS)("%s round trip", (format) => {
  test.each([false, true])("gzip=%s, decoded across small chunks", async (gzip) => {
    const bytes = await encodeAll({ format, gzip }, [sample.slice(0, 2), [], sample.slice(2)]);
    if (gzip && format !== "parquet") expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const out = await decodeAll(chunked(bytes, 13), { format, gzip, key: `k.${format}` });
    const header = Object.keys(sample[0] as JsonObject);
    expect(out).toEqual(format === "csv" ? sample.map((r) => asCsv(r, header)) : sample);
  });

  test("a 5 MB string in one field", async () => {
    const huge = "é😀x".repeat((5 * 1024 * 1024) / 7 + 1);
    const records = [
      { id: "a", big: huge },
      { id: "b", big: "small" },
    ];
    for (const gzip of [false, true]) {
      const bytes = await encodeAll({ format, gzip }, [records]);
      const out = await decodeAll(chunked(bytes, 64 * 1024 + 3), { format, gzip });
      expect(out.length).toBe(2);
      expect(out[0]?.big === huge).toBe(true);
      expect(out[1]).toEqual({ id: "b", big: "small" });
    }
  });

  test("many records in many batches", async () => {
    const batches = [contacts(700), contacts(1300, 700), contacts(1, 2000)];
    const bytes = await encodeAll({ format, gzip: true, parquet: { rowGroupSize: 500 } }, batches);
    const out = await decodeAll(chunked(bytes, 8192), { format, gzip: true });
    const all = batches.flat();
    expect(out.length).toBe(all.length);
    const header = Object.keys(all[0] as JsonObject);
    expect(out[1234]).toEqual(format === "csv" ? asCsv(all[1234] as JsonObject, header) : all[1234]);
  });
});

describe("gzip", () => {
  test("compressed output is produced while encoding, not only at finish", async () => {
    const encoder = createEncoder({ format: "jsonl", gzip: true });
    let beforeFinish = 0;
    for (let i = 0; i < 20; i++) {
      for (const chunk of await encoder.encode(contacts(500, i * 500))) beforeFinish += chunk.byteLength;
    }
    const tail = Buffer.concat(await encoder.finish());
    expect(beforeFinish).toBeGreaterThan(0);
    expect(beforeFinish).toBeGreaterThan(tail.length);
    expect(encoder.stats.bytesOut).toBe(beforeFinish + tail.length);
    expect(encoder.contentEncoding).toBe("gzip");
  });

  test("multi-member gzip (concatenated files) decodes", async () => {
    const input = Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"a":2}\n')]);
    expect(await decodeAll([input], { format: "jsonl", gzip: true })).toEqual([{ a: 1 }, { a: 2 }]);
  });

  test("corrupt or truncated gzip is a DataError naming the key", async () => {
    const key = "x/y.jsonl.gz";
    await expectDataError(
      decodeAll([Buffer.from("definitely not gzip")], { format: "jsonl", gzip: true, key }),
      { key },
    );
    const good = await encodeAll({ format: "jsonl", gzip: true }, [contacts(50)]);
    await expectDataError(
      decodeAll([good.subarray(0, good.length - 20)], { format: "jsonl", gzip: true, key }),
      { key },
    );
  });

  test("bad data inside gzip still names the line", async () => {
    const input = gzipSync('{"a":1}\n{"a":2}\n{oops}\n');
    await expectDataError(decodeAll(chunked(input, 5), { format: "jsonl", gzip: true, key: "k" }), {
      key: "k",
      line: 3,
    });
  });
});

describe("options", () => {
  test("invalid encoder options are a ConfigError listing every field", () => {
    let error: unknown;
    try {
      createEncoder({
        format: "xml",
        gzip: "yes",
        csv: { unknownKeys: "warn" },
        parquet: { rowGroupSize: 0 },
      } as never);
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe("ConfigError");
    const fields = (error as { issues: { field: string }[] }).issues.map((i) => i.field).sort();
    expect(fields).toEqual(["csv.unknownKeys", "format", "gzip", "parquet.rowGroupSize"]);
  });

  test("invalid decode options throw before iterating", () => {
    expect(() => decodeRecords((async function* () {})(), { format: "jsonl", batchSize: -1 })).toThrow(
      /batchSize/,
    );
  });

  test("overlapping encode calls keep call order", async () => {
    const encoder = createEncoder({ format: "json", gzip: true });
    const parts = await Promise.all([
      encoder.encode([{ i: 1 }]),
      encoder.encode([{ i: 2 }]),
      encoder.encode([{ i: 3 }]),
    ]);
    const bytes = Buffer.concat([...parts.flat(), ...(await encoder.finish())]);
    expect(await decodeAll([bytes], { format: "json", gzip: true })).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  });
});
