import { describe, expect, test } from "vitest";
import { createEncoder } from "./index.js";
import { chunked, decodeAll, encodeAll, expectDataError } from "./test-helpers.js";

describe("csv encoder", () => {
  test("header is the union of the first batch's keys in first-seen order", async () => {
    const out = await encodeAll({ format: "csv" }, [
      [
        { b: 1, a: "x" },
        { c: true, a: "y" },
      ],
      [{ a: "z", c: false, b: 2 }],
    ]);
    expect(out.toString()).toBe("b,a,c\n1,x,\n,y,true\n2,z,false\n");
  });

  test("explicit columns are the header and the order; missing values empty", async () => {
    const out = await encodeAll({ format: "csv", csv: { columns: ["id", "name", "email"] } }, [
      [
        { email: "a@x", id: 1 },
        { name: "Bo", id: 2 },
      ],
    ]);
    expect(out.toString()).toBe("id,name,email\n1,,a@x\n2,Bo,\n");
  });

  test("values: nested as JSON, null empty, empty string quoted, quoting of delimiters/newlines/quotes", async () => {
    const out = await encodeAll({ format: "csv" }, [
      [
        {
          obj: { k: [1, "a"] },
          arr: [1, 2],
          nul: null,
          empty: "",
          tricky: 'a,"b"\nc',
          num: 1.5,
          big: 1e21,
          bool: false,
        },
      ],
    ]);
    expect(out.toString()).toBe(
      'obj,arr,nul,empty,tricky,num,big,bool\n"{""k"":[1,""a""]}","[1,2]",,"","a,""b""\nc",1.5,1e+21,false\n',
    );
  });

  test("custom delimiter", async () => {
    const out = await encodeAll({ format: "csv", csv: { delimiter: ";" } }, [[{ a: "1;2", b: "x,y" }]]);
    expect(out.toString()).toBe('a;b\n"1;2";x,y\n');
    expect(await decodeAll([out], { format: "csv", csv: { delimiter: ";" } })).toEqual([
      { a: "1;2", b: "x,y" },
    ]);
  });

  test("zero records: explicit columns give just the header, inferred columns give an empty file", async () => {
    expect((await encodeAll({ format: "csv", csv: { columns: ["id", "name"] } }, [])).toString()).toBe(
      "id,name\n",
    );
    expect((await encodeAll({ format: "csv", csv: { columns: ["id"] } }, [[]])).toString()).toBe("id\n");
    expect((await encodeAll({ format: "csv" }, [[]])).length).toBe(0);
  });

  describe("unknown keys", () => {
    const batches = [
      [{ a: 1 }],
      [
        { a: 2, extra: 1 },
        { a: 3, extra: 2, more: "m" },
      ],
    ];

    test("report (default) counts them and drops the values", async () => {
      const encoder = createEncoder({ format: "csv" });
      const chunks = [];
      for (const b of batches) chunks.push(...(await encoder.encode(b)));
      chunks.push(...(await encoder.finish()));
      expect(Buffer.concat(chunks).toString()).toBe("a\n1\n2\n3\n");
      expect(encoder.stats.unknownKeys).toEqual({ extra: 2, more: 1 });
      expect(encoder.stats.records).toBe(3);
    });

    test("ignore drops them silently", async () => {
      const encoder = createEncoder({ format: "csv", csv: { unknownKeys: "ignore" } });
      for (const b of batches) await encoder.encode(b);
      expect(Buffer.concat(await encoder.finish()).length).toBe(0);
      expect(encoder.stats.unknownKeys).toEqual({});
    });

    test("error throws a DataError naming the record index and key, and the encoder is then unusable", async () => {
      const encoder = createEncoder({ format: "csv", csv: { unknownKeys: "error", columns: ["a"] } });
      await encoder.encode([{ a: 0 }, { a: 1 }]);
      await expectDataError(encoder.encode([{ a: 2 }, { a: 3, extra: 1 }]), { position: 3, field: "extra" });
      await expect(encoder.finish()).rejects.toThrow(/failed/);
    });

    test("an undefined value for an unknown key is not a key", async () => {
      const encoder = createEncoder({ format: "csv", csv: { unknownKeys: "error", columns: ["a"] } });
      const chunks = await encoder.encode([{ a: 1, extra: undefined }]);
      chunks.push(...(await encoder.finish()));
      expect(Buffer.concat(chunks).toString()).toBe("a\n1\n");
    });
  });
});

describe("csv decoder", () => {
  test("header row gives keys; values stay strings; empty cells (quoted or not) → null", async () => {
    const input = Buffer.from('id,name,note\n1,"Zoë, 😀","multi\nline"\n2,,""\n');
    expect(await decodeAll(chunked(input, 1), { format: "csv" })).toEqual([
      { id: "1", name: "Zoë, 😀", note: "multi\nline" },
      { id: "2", name: null, note: null },
    ]);
  });

  test("round trip: null and empty string both decode to null (documented)", async () => {
    const bytes = await encodeAll({ format: "csv", gzip: true }, [[{ a: null, b: "", c: "x" }]]);
    expect(await decodeAll([bytes], { format: "csv", gzip: true })).toEqual([{ a: null, b: null, c: "x" }]);
  });

  test("survives a chunk boundary at every byte position", async () => {
    const bytes = await encodeAll({ format: "csv" }, [
      [
        { s: "é😀مرحبا", q: 'x"y', n: 1 },
        { s: "שלום\r\nא", q: null, n: 2 },
      ],
    ]);
    for (let i = 0; i <= bytes.length; i++) {
      expect(
        await decodeAll([bytes.subarray(0, i), bytes.subarray(i)], { format: "csv" }),
        `split at ${i}`,
      ).toEqual([
        { s: "é😀مرحبا", q: 'x"y', n: "1" },
        { s: "שלום\r\nא", q: null, n: "2" },
      ]);
    }
  });

  test("empty input gives no records; a header alone gives no records", async () => {
    expect(await decodeAll([], { format: "csv" })).toEqual([]);
    expect(await decodeAll([Buffer.from("a,b\n")], { format: "csv" })).toEqual([]);
  });

  describe("corrupt input names key and line", () => {
    const key = "exports/contacts.csv";
    test.each([
      ["too many columns", "a,b\n1,2\n3,4\n5,6,7\n", 4],
      ["too few columns", "a,b\n1,2\n3\n", 3],
      ["unclosed quote (names the line its record starts on)", 'a,b\n1,2\n3,"open\n4,5\n6,7\n', 3],
      ["garbage after a closing quote", 'a,b\n1,"x"y\n', 2],
    ])("%s", async (_name, input, line) => {
      await expectDataError(decodeAll(chunked(Buffer.from(input), 4), { format: "csv", key }), { key, line });
    });
  });
});
