import { describe, expect, it } from "vitest";
import { FieldError, normalize, TABLE_SPECS, toDatetime, toRow } from "./tables.js";
import { encodeTsvRows, tsvField } from "./tsv.js";

const column = (name: string, kind: Parameters<typeof normalize>[0]["kind"], extra = {}) => ({
  name,
  kind,
  nullable: true,
  get: () => undefined,
  ...extra,
});

describe("normalisation", () => {
  it("converts Unix seconds, numeric strings and ISO strings to UTC DATETIME text; null-safe", () => {
    expect(toDatetime(0)).toBe("1970-01-01 00:00:00");
    expect(toDatetime(1_734_537_511)).toBe("2024-12-18 15:58:31");
    expect(toDatetime("1734537511")).toBe("2024-12-18 15:58:31");
    expect(toDatetime("2024-12-18T16:58:31+01:00")).toBe("2024-12-18 15:58:31");
    expect(toDatetime(1_734_537_511.9)).toBe("2024-12-18 15:58:31");
    expect(toDatetime(null)).toBeNull();
    expect(toDatetime(undefined)).toBeNull();
    expect(() => toDatetime("soon")).toThrow(FieldError);
    expect(() => toDatetime(1e15)).toThrow(/out of DATETIME range/);
  });

  it("normalises ids to strings, unassigned (0) to NULL, and rejects over-long ids", () => {
    expect(normalize(column("id", "id"), 471)).toBe("471");
    expect(normalize(column("team_assignee_id", "id", { zeroIsNull: true }), 0)).toBeNull();
    expect(normalize(column("team_assignee_id", "id", { zeroIsNull: true }), "0")).toBeNull();
    expect(normalize(column("owner_id", "id"), 0)).toBe("0");
    expect(() => normalize(column("id", "id"), "x".repeat(65))).toThrow(/longer than 64/);
    expect(() => normalize(column("id", "id"), { id: 1 })).toThrow(/expected a string/);
  });

  it("checks VARCHAR length in characters, not UTF-16 units", () => {
    const c = column("state", "string", { length: 4 });
    expect(normalize(c, "😀😀😀😀")).toBe("😀😀😀😀");
    expect(() => normalize(c, "abcde")).toThrow(/longer than 4 characters/);
  });

  it("maps booleans, integers and JSON", () => {
    expect(normalize(column("open", "boolean"), true)).toBe(1);
    expect(normalize(column("open", "boolean"), false)).toBe(0);
    expect(() => normalize(column("open", "boolean"), "maybe")).toThrow(FieldError);
    expect(normalize(column("size", "int"), "12")).toBe(12);
    expect(() => normalize(column("size", "int"), 1.5)).toThrow(FieldError);
    expect(normalize(column("custom_attributes", "json"), { a: [1, "é"] })).toBe('{"a":[1,"é"]}');
  });

  it("builds a conversation row without the parts array in raw", () => {
    const spec = TABLE_SPECS.conversations;
    const record = {
      id: "1",
      admin_assignee_id: 0,
      team_assignee_id: 5,
      conversation_parts: { conversation_parts: [{ id: 1 }], total_count: 1 },
    };
    const row = toRow(spec, record);
    const raw = JSON.parse(String(row[spec.columns.findIndex((c) => c.name === "raw")]));
    expect(raw).toEqual({ id: "1", admin_assignee_id: 0, team_assignee_id: 5 });
    const get = (name: string) => row[spec.columns.findIndex((c) => c.name === name)];
    expect([get("admin_assignee_id"), get("team_assignee_id"), get("parts_truncated")]).toEqual([
      null,
      "5",
      0,
    ]);
    expect(() => toRow(spec, { title: "no id" })).toThrow(/missing id/);
  });
});

describe("TSV", () => {
  it("escapes backslash, tab, newlines and NUL; NULL is \\N and the word NULL stays text", () => {
    expect(tsvField(null)).toBe("\\N");
    expect(tsvField("NULL")).toBe("NULL");
    expect(tsvField("\\N")).toBe("\\\\N");
    expect(tsvField("a\tb\nc\r\\d\0")).toBe("a\\tb\\nc\\r\\\\d\\0");
    expect(tsvField(1.5)).toBe("1.5");
  });

  it("chunks rows into bounded buffers", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [String(i), "x".repeat(50)]);
    const chunks = [...encodeTsvRows(rows, 1024)];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length < 1024 + 64)).toBe(true);
    expect(Buffer.concat(chunks).toString().split("\n")).toHaveLength(101);
  });
});
