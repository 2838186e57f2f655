import { describe, expect, it } from "vitest";
import { convertObject, type FieldSchema, parseTimestamp, RowError, schemaProblem } from "./schema.js";

const fields: FieldSchema[] = [
  { name: "id", type: "STRING", mode: "REQUIRED" },
  { name: "n", type: "INTEGER" },
  { name: "x", type: "FLOAT" },
  { name: "b", type: "BOOLEAN" },
  { name: "at", type: "TIMESTAMP" },
  { name: "d", type: "DATE" },
  { name: "j", type: "JSON" },
  { name: "r", type: "RECORD", mode: "REPEATED", fields: [{ name: "k", type: "INTEGER" }] },
];

describe("row conversion", () => {
  it("stores canonical values", () => {
    const row = convertObject(fields, {
      id: "a",
      n: "9007199254740993",
      x: "1.5",
      b: "yes",
      at: "2024-01-31 10:00:00.123456+01:00",
      d: "2024-01-31",
      j: { a: [1, null] },
      r: [{ k: 1 }],
    });
    expect(row).toEqual({
      id: "a",
      n: "9007199254740993",
      x: 1.5,
      b: true,
      at: 1706691600123456n,
      d: "2024-01-31",
      j: { a: [1, null] },
      r: [{ k: "1" }],
    });
  });

  it.each([
    [{ id: "a", n: 1.5 }, "n", /to integer/],
    [{ id: "a", b: "maybe" }, "b", /to bool/],
    [{ id: "a", at: "yesterday" }, "at", /to timestamp/],
    [{ id: "a", r: { k: 1 } }, "r", /Array specified|record/],
    [{ id: "a", r: [null] }, "r", /NULL/],
    [{ n: 1 }, "id", /Missing required field: id/],
    [{ id: "a", zz: 1 }, "zz", /No such field: zz/],
    [{ id: { nested: true } }, "id", /to string/],
  ])("rejects %j at %s", (input, field, message) => {
    let error: unknown;
    try {
      convertObject(fields, input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RowError);
    expect((error as RowError).field).toBe(field);
    expect((error as RowError).message).toMatch(message);
  });

  it("parses BigQuery's TIMESTAMP text forms", () => {
    expect(parseTimestamp("2018-08-19T12:11:35.220Z")).toBe(1534680695220000n);
    expect(parseTimestamp("2018/08/19 12:11 UTC")).toBe(1534680660000000n);
    expect(parseTimestamp("not a date")).toBeUndefined();
  });

  it("checks column names like BigQuery", () => {
    expect(schemaProblem([{ name: "ok_1", type: "STRING" }])).toBeUndefined();
    expect(schemaProblem([{ name: "The One Ring", type: "STRING" }])).toMatch(/Invalid field name/);
    expect(schemaProblem([{ name: "_PARTITIONTIME", type: "STRING" }])).toMatch(/reserved prefix/);
    expect(
      schemaProblem([
        { name: "a", type: "STRING" },
        { name: "A", type: "STRING" },
      ]),
    ).toMatch(/already exists/);
    expect(schemaProblem([{ name: "r", type: "RECORD" }])).toMatch(/no schema/);
  });
});
