import { describe, expect, it } from "vitest";
import { encodeRecord } from "./encode.js";
import {
  bigQueryFields,
  columnName,
  EXTRA_COLUMN,
  inferColumns,
  toBigQueryColumns,
} from "./schema-mapping.js";

const ts = { type: ["integer", "null"], description: "Unix timestamp (seconds, UTC)" };
const contactSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: ["string", "null"] },
    created_at: ts,
    score: { type: ["number", "null"] },
    active: { type: ["boolean", "null"] },
    seen: { type: "string", format: "date-time" },
    birthday: { type: "string", format: "date" },
    team_ids: { type: ["array", "null"], items: { type: "string" } },
    items: {
      type: "array",
      items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer" } } },
    },
    location: { type: ["object", "null"] },
    anything: {},
    mixed: { type: ["integer", "string"] },
    custom_attributes: {
      type: ["object", "null"],
      additionalProperties: true,
      properties: {
        plan: { type: ["string", "null"] },
        seats: { type: ["integer", "null"] },
        "The One Ring": { type: ["boolean", "null"] },
        "favourite colour 🎨": { type: ["string", "null"], title: "Favourite colour" },
        renewal: {
          type: ["integer", "string", "null"],
          description: "date: Unix seconds (ISO-8601 tolerated)",
        },
      },
    },
  },
};

describe("toBigQueryColumns (JSON Schema → BigQuery schema)", () => {
  const fields = bigQueryFields(toBigQueryColumns(contactSchema));
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));

  it("maps scalars, unix seconds, formats, nested objects, arrays, and falls back to JSON", () => {
    expect(byName.id).toMatchObject({ type: "STRING", mode: "NULLABLE" });
    expect(byName.created_at).toMatchObject({ type: "TIMESTAMP" });
    expect(byName.score).toMatchObject({ type: "FLOAT" });
    expect(byName.active).toMatchObject({ type: "BOOLEAN" });
    expect(byName.seen).toMatchObject({ type: "TIMESTAMP" });
    expect(byName.birthday).toMatchObject({ type: "DATE" });
    expect(byName.team_ids).toMatchObject({ type: "STRING", mode: "REPEATED" });
    expect(byName.items).toMatchObject({
      type: "RECORD",
      mode: "REPEATED",
      fields: [
        { name: "sku", type: "STRING" },
        { name: "qty", type: "INTEGER" },
      ],
    });
    expect(byName.location).toMatchObject({ type: "JSON" });
    expect(byName.anything).toMatchObject({ type: "JSON" });
    expect(byName.mixed).toMatchObject({ type: "JSON" });
    expect(fields.at(-1)).toMatchObject({ name: EXTRA_COLUMN, type: "JSON" });
  });

  it("types custom attributes as RECORD sub-columns with valid names and the original key as description", () => {
    const custom = byName.custom_attributes!;
    expect(custom.type).toBe("RECORD");
    expect(custom.fields).toEqual([
      { name: "plan", type: "STRING", mode: "NULLABLE" },
      { name: "seats", type: "INTEGER", mode: "NULLABLE" },
      { name: "The_One_Ring", type: "BOOLEAN", mode: "NULLABLE", description: '"The One Ring"' },
      {
        name: "favourite_colour",
        type: "STRING",
        mode: "NULLABLE",
        description: '"favourite colour 🎨": Favourite colour',
      },
      {
        name: "renewal",
        type: "TIMESTAMP",
        mode: "NULLABLE",
        description: "date: Unix seconds (ISO-8601 tolerated)",
      },
    ]);
  });

  it("makes names valid and unique ignoring case", () => {
    const taken = new Set<string>(["_extra"]);
    expect(columnName("a b", taken)).toBe("a_b");
    expect(columnName("A-B", taken)).toBe("A_B_2");
    expect(columnName("9lives", taken)).toBe("_9lives");
    expect(columnName("_PARTITIONTIME", taken)).toBe("x_PARTITIONTIME");
    expect(columnName("🎨", taken)).toBe("_col");
    expect(columnName("_extra", taken)).toBe("_extra_2");
    expect(columnName("x".repeat(400), taken)).toHaveLength(290);
  });

  it("infers columns from values when the stream has no schema", () => {
    const cols = inferColumns([
      { id: "a", n: 1, f: 1, b: true, o: { x: 1 }, z: null },
      { id: "b", n: 2, f: 1.5, b: false, o: null, z: null },
    ]);
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ["id", "STRING"],
      ["n", "INTEGER"],
      ["f", "FLOAT"],
      ["b", "BOOLEAN"],
      ["o", "JSON"],
      ["z", "JSON"],
    ]);
  });
});

describe("encodeRecord", () => {
  const columns = toBigQueryColumns(contactSchema);

  it("converts unix seconds to ISO timestamps, renames custom attributes and drops null array items", () => {
    const row = encodeRecord(columns, {
      id: "c1",
      created_at: 1_700_000_000,
      team_ids: ["1", null, "2"],
      location: { city: "Zoë" },
      custom_attributes: {
        plan: "pro",
        "The One Ring": true,
        "favourite colour 🎨": "blue",
        renewal: "2024-01-31T00:00:00Z",
      },
    });
    expect(row).toEqual({
      id: "c1",
      created_at: "2023-11-14T22:13:20.000Z",
      team_ids: ["1", "2"],
      location: { city: "Zoë" },
      custom_attributes: {
        plan: "pro",
        The_One_Ring: true,
        favourite_colour: "blue",
        renewal: "2024-01-31T00:00:00.000Z",
      },
    });
  });

  it("puts unknown keys and values that do not fit their column into _extra by dotted path", () => {
    const row = encodeRecord(columns, {
      id: "c2",
      created_at: "not a time",
      active: "yes",
      surprise: 1,
      custom_attributes: { seats: 2.5, brand_new: "x" },
    });
    expect(row).toEqual({
      id: "c2",
      custom_attributes: {},
      [EXTRA_COLUMN]: {
        created_at: "not a time",
        active: "yes",
        surprise: 1,
        "custom_attributes.seats": 2.5,
        "custom_attributes.brand_new": "x",
      },
    });
  });

  it("leaves out the omitted key", () => {
    expect(encodeRecord(columns, { id: "c3", _sluice_deleted: true }, "_sluice_deleted")).toEqual({
      id: "c3",
    });
  });
});
