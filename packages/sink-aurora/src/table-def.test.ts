import { ConfigError, type JsonObject } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { FieldError, toCell } from "./cells.js";
import { mysqlDialect, sqliteDialect } from "./dialect/index.js";
import { compilePath } from "./paths.js";
import { compareTypes } from "./schema-sync.js";
import { identifier, streamTables } from "./table-def.js";

const shape = (cols: ReturnType<typeof streamTables>["main"]["columns"]) =>
  cols.map((c) => `${c.name}:${mysqlDialect.typeOf(c).sql}${c.nullable ? "" : "!"}${c.key ? "*" : ""}`);

describe("tables derived from the descriptor", () => {
  it("key columns from primaryKey, typed scalars, unix-time annotations, nested → JSON, raw last", () => {
    const t = streamTables({
      name: "Orders",
      primaryKey: ["shop", "no"],
      schema: {
        type: "object",
        properties: {
          no: { type: "integer" },
          shop: { type: "string" },
          total: { type: ["number", "null"] },
          paid: { type: "boolean" },
          code: { type: "string", maxLength: 12 },
          note: { type: "string" },
          placed_at: { type: "integer", format: "unix-time" },
          shipped_ms: { type: "integer", "x-sluice": { timestamp: "unix-ms" } },
          seen: { type: "string", format: "date-time" },
          customer: { type: "object" },
          lines: { type: "array" },
          mixed: { type: ["string", "integer"] },
          "Weird Name!": { type: "string", maxLength: 5 },
        },
      },
    });
    expect(t.main.table).toBe("orders");
    expect(t.main.key).toEqual(["shop", "no"]);
    expect(shape(t.main.columns)).toEqual([
      "shop:VARCHAR(255)!*",
      "no:BIGINT!*",
      "total:DOUBLE",
      "paid:TINYINT(1)",
      "code:VARCHAR(12)",
      "note:MEDIUMTEXT".replace("MEDIUM", ""),
      "placed_at:DATETIME",
      "shipped_ms:DATETIME(3)",
      "seen:DATETIME(3)",
      "customer:JSON",
      "lines:JSON",
      "mixed:JSON",
      "weird_name_:VARCHAR(5)",
      "raw:JSON!",
    ]);
  });

  it("without a schema: key columns (VARCHAR) and raw", () => {
    const t = streamTables({ name: "events", primaryKey: ["id"] });
    expect(shape(t.main.columns)).toEqual(["id:VARCHAR(255)!*", "raw:JSON!"]);
  });

  it("a layout wins: table, columns, declared keys, children (raw omits their field), _synced_at", () => {
    const t = streamTables({
      name: "tickets",
      primaryKey: ["id"],
      schema: { type: "object", properties: { ignored: { type: "string" } } },
      layout: {
        table: "ticket",
        syncedAt: true,
        columns: [
          { name: "id", type: "string", maxLength: 64, key: true },
          { name: "who", type: "string", path: "author.name|author" },
        ],
        children: [
          {
            table: "ticket_message",
            path: "messages.items",
            parentColumns: [{ name: "ticket_id", type: "string", maxLength: 64, path: "id" }],
          },
        ],
      },
    });
    expect(t.main.table).toBe("ticket");
    expect(shape(t.main.columns)).toEqual([
      "id:VARCHAR(64)!*",
      "who:VARCHAR(255)",
      "raw:JSON!",
      "_synced_at:DATETIME(3)",
    ]);
    const [child] = t.children;
    expect(child!.key).toEqual(["ticket_id", "_sluice_list_idx"]);
    expect(shape(child!.columns)).toEqual([
      "ticket_id:VARCHAR(64)!*",
      "_sluice_list_idx:BIGINT!*",
      "raw:JSON!",
    ]);
    const record: JsonObject = { id: "t1", author: "ann", messages: { items: [{ a: 1 }], total: 1 } };
    expect(child!.items(record)).toEqual([{ a: 1 }]);
    expect(child!.parentKeyOf(record)).toEqual(["t1"]);
    const raw = t.main.columns.find((c) => c.name === "raw")!;
    expect(raw.get(record)).toEqual({ id: "t1", author: "ann" });
    expect(t.main.columns[1]!.get(record)).toBe("ann");
  });

  it("rejects a bad table name and duplicate columns with a ConfigError", () => {
    expect(() => streamTables({ name: "s", primaryKey: [], layout: { table: "bad name;" } })).toThrow(
      ConfigError,
    );
    expect(() =>
      streamTables({
        name: "s",
        primaryKey: [],
        layout: { columns: [{ name: "raw", type: "json" }] },
      }),
    ).toThrow(/defined twice/);
  });

  it("identifiers: snake_cased, cut and hash-suffixed when too long", () => {
    expect(identifier("order_lines", 45)).toBe("order_lines");
    expect(identifier("orderLines", 45)).toBe("order_lines");
    expect(identifier("x".repeat(80), 45)).toMatch(/^x{38}_[0-9a-f]{6}$/);
  });
});

describe("paths", () => {
  const r: JsonObject = { a: { b: 1 }, list: { items: [{ id: "x" }, { id: "y" }, { no: 1 }] }, s: "str" };
  it("nested, mapped arrays and alternatives", () => {
    expect(compilePath("a.b")(r)).toBe(1);
    expect(compilePath("a.c")(r)).toBeUndefined();
    expect(compilePath("s.name")(r)).toBeUndefined();
    expect(compilePath("list.items[].id")(r)).toEqual(["x", "y"]);
    expect(compilePath("s.name|s")(r)).toBe("str");
    expect(compilePath("missing|also_missing")(r)).toBeNull();
    expect(compilePath("a.b", { literal: true })({ "a.b": 2 })).toBe(2);
  });
});

describe("cells are checked against the real column", () => {
  const col = (type: "string" | "integer" | "timestamp" | "json", extra = {}) => ({
    name: "c",
    type,
    nullable: true,
    key: false,
    get: () => null,
    ...extra,
  });
  it("never truncates: too long, out of range and bad timestamps are FieldErrors", () => {
    const v8 = mysqlDialect.parseType("varchar(8)");
    expect(toCell(col("string"), v8, "12345678")).toBe("12345678");
    expect(() => toCell(col("string"), v8, "123456789")).toThrow(FieldError);
    expect(() => toCell(col("integer"), mysqlDialect.parseType("int(11)"), 2 ** 31)).toThrow(/out of range/);
    expect(toCell(col("integer"), mysqlDialect.parseType("bigint(20)"), "9007199254740993")).toBe(
      "9007199254740993",
    );
    const dt = mysqlDialect.parseType("datetime");
    expect(toCell(col("timestamp"), dt, 1_700_000_000)).toBe("2023-11-14 22:13:20");
    expect(
      toCell(
        col("timestamp", { timestampFormat: "unix-ms" }),
        mysqlDialect.parseType("datetime(3)"),
        1_700_000_000_123,
      ),
    ).toBe("2023-11-14 22:13:20.123");
    expect(() => toCell(col("timestamp"), dt, "yesterday")).toThrow(/not a timestamp/);
    expect(toCell(col("json"), mysqlDialect.parseType("longtext"), { a: 1 })).toBe('{"a":1}');
  });

  it("type comparison: widen, same, mismatch (MariaDB JSON is LONGTEXT; INT kept)", () => {
    const p = mysqlDialect.parseType;
    expect(compareTypes(p("varchar(8)"), p("varchar(40)"))).toBe("widen");
    expect(compareTypes(p("varchar(40)"), p("varchar(8)"))).toBe("same");
    expect(compareTypes(p("longtext"), p("json"))).toBe("same");
    expect(compareTypes(p("int(11)"), p("bigint(20)"))).toBe("same");
    expect(compareTypes(p("text"), p("mediumtext"))).toBe("widen");
    expect(compareTypes(p("datetime"), p("double"))).toBe("mismatch");
    expect(sqliteDialect.parseType("VARCHAR(64)")).toMatchObject({ family: "varchar", size: 64 });
  });
});
