import { describe, expect, test } from "vitest";
import { createEncoder, extensionFor, formatFromKey } from "./index.js";

describe("formatFromKey", () => {
  test.each([
    ["a/b.jsonl.gz", { format: "jsonl", gzip: true }],
    ["a/b.jsonl", { format: "jsonl", gzip: false }],
    ["users.json", { format: "json", gzip: false }],
    ["x/y/z.CSV.GZ", { format: "csv", gzip: true }],
    ["part-0.parquet", { format: "parquet", gzip: false }],
    ["dump.ndjson", { format: "jsonl", gzip: false }],
    ["dir.with.dots/file.csv", { format: "csv", gzip: false }],
  ])("%s", (key, expected) => {
    expect(formatFromKey(key)).toEqual(expected);
  });

  test.each(["a/b.txt", "a/b", "a/b.gz", "jsonl", "a.jsonl/b"])("%s is not a known format", (key) => {
    expect(formatFromKey(key)).toBeUndefined();
  });
});

describe("extensionFor and encoder metadata", () => {
  test.each([
    [{ format: "json" }, "json", "application/json", undefined],
    [{ format: "jsonl", gzip: true }, "jsonl.gz", "application/x-ndjson", "gzip"],
    [{ format: "csv", gzip: false }, "csv", "text/csv", undefined],
    [{ format: "csv", gzip: true }, "csv.gz", "text/csv", "gzip"],
    [{ format: "parquet", gzip: true }, "parquet", "application/vnd.apache.parquet", undefined],
  ] as const)("%j", (options, ext, contentType, encoding) => {
    expect(extensionFor(options)).toBe(ext);
    const encoder = createEncoder(options);
    expect(encoder.extension).toBe(ext);
    expect(encoder.contentType).toBe(contentType);
    expect(encoder.contentEncoding).toBe(encoding);
    // the extension round-trips through formatFromKey
    expect(formatFromKey(`k/obj.${ext}`)).toEqual({ format: options.format, gzip: encoding === "gzip" });
  });
});
