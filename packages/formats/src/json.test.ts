import type { JsonObject } from "@sluice/core";
import { describe, expect, test } from "vitest";
import { createEncoder, decodeRecords } from "./index.js";
import { chunked, contacts, decodeAll, encodeAll, expectDataError, fromChunks } from "./test-helpers.js";

const text = (s: string) => [Buffer.from(s, "utf8")];

describe("json array encoder", () => {
  test("writes [, records separated by ,\\n, ] across batches", async () => {
    const out = await encodeAll({ format: "json" }, [[{ a: 1 }, { b: "x" }], [], [{ c: null }]]);
    expect(out.toString("utf8")).toBe('[{"a":1},\n{"b":"x"},\n{"c":null}]');
  });

  test("zero records give []", async () => {
    expect((await encodeAll({ format: "json" }, [])).toString()).toBe("[]");
    expect((await encodeAll({ format: "json" }, [[], []])).toString()).toBe("[]");
  });

  test("undefined values are dropped, stats count records and bytes", async () => {
    const encoder = createEncoder({ format: "json" });
    const chunks = [...(await encoder.encode([{ a: 1, gone: undefined }])), ...(await encoder.finish())];
    const bytes = Buffer.concat(chunks);
    expect(bytes.toString()).toBe('[{"a":1}]');
    expect(encoder.stats).toEqual({ records: 1, bytesOut: bytes.length, unknownKeys: {} });
  });

  test("the encoder refuses use after finish", async () => {
    const encoder = createEncoder({ format: "json" });
    await encoder.finish();
    await expect(encoder.encode([{ a: 1 }])).rejects.toThrow(/finished/);
  });
});

describe("json array decoder", () => {
  test("decodes in batches of batchSize", async () => {
    const records = contacts(25);
    const bytes = await encodeAll({ format: "json" }, [records]);
    const sizes: number[] = [];
    const out: JsonObject[] = [];
    for await (const batch of decodeRecords(fromChunks(chunked(bytes, 100)), {
      format: "json",
      batchSize: 10,
    })) {
      sizes.push(batch.length);
      out.push(...batch);
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(out).toEqual(records);
  });

  test("survives a chunk boundary at every byte position (multi-byte UTF-8 split)", async () => {
    const records: JsonObject[] = [
      { s: "é😀مرحبا", n: -1.5e-7, t: true, f: false, z: null, nested: { a: ["ü", { b: "😀" }] } },
      { id: 12345678901, emoji: "👩‍👩‍👧", rtl: "שלום" },
    ];
    const bytes = await encodeAll({ format: "json" }, [records]);
    for (let i = 0; i <= bytes.length; i++) {
      const out = await decodeAll([bytes.subarray(0, i), bytes.subarray(i)], { format: "json" });
      expect(out, `split at ${i}`).toEqual(records);
    }
    // and one byte at a time
    expect(await decodeAll(chunked(bytes, 1), { format: "json" })).toEqual(records);
  });

  test("accepts whitespace, newlines and a UTF-8 BOM around the array", async () => {
    const input = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('\n  [\n  {"a": 1} ,\n {"a":2}\n]\n\n'),
    ]);
    expect(await decodeAll([input], { format: "json" })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await decodeAll(text("[]"), { format: "json" })).toEqual([]);
    expect(await decodeAll(text(" [ ] \n"), { format: "json" })).toEqual([]);
  });

  test("streams: the first batch arrives before the input is exhausted", async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("[");
      for (;;) {
        produced++;
        yield Buffer.from(`${produced > 1 ? "," : ""}{"i":${produced}}\n`);
      }
    }
    const iterator = decodeRecords(endless(), { format: "json", batchSize: 5 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    await iterator.return?.();
    expect(first.value).toEqual([1, 2, 3, 4, 5].map((i) => ({ i })));
    expect(produced).toBeLessThan(10);
  });

  test("strings holding brackets, commas, quotes and backslashes do not confuse the splitter", async () => {
    const records: JsonObject[] = [
      { s: "a],[b}{", t: 'say "hi", ok\\', u: '\\"]' },
      { path: "C:\\dir\\", arr: [[], {}, [{}], "]"], o: { "k,]": { "}": "{" } } },
    ];
    const bytes = await encodeAll({ format: "json" }, [records]);
    for (let i = 0; i <= bytes.length; i++) {
      expect(
        await decodeAll([bytes.subarray(0, i), bytes.subarray(i)], { format: "json" }),
        `split at ${i}`,
      ).toEqual(records);
    }
  });

  test("pretty-printed arrays (indented, one key per line) decode", async () => {
    const records = contacts(3);
    const pretty = Buffer.from(JSON.stringify(records, null, 2));
    expect(await decodeAll(chunked(pretty, 5), { format: "json" })).toEqual(records);
  });

  describe("corrupt input names key and line", () => {
    const key = "exports/users.json";
    test.each([
      ["syntax error on line 3", '[\n{"a":1},\n{"a" 2}\n]', 3],
      ["bad literal on line 2", '[{"a":1},\n{"a": tru}]', 2],
      ["unclosed array", '[{"a":1},\n{"a":2}\n', 3],
      ["unclosed string", '[\n{"a":"abc', 2],
      ["trailing garbage", '[{"a":1}]\n\nx', 3],
      ["second document", "[]\n[]", 2],
      ["not an array", '\n{"a":1}', 2],
      ["a scalar", "42", 1],
      ["empty input", "", 1],
      ["whitespace only", "\n\n", 3],
      ["trailing comma", '[{"a":1},\n]', 2],
      ["leading comma", "[\n,{}]", 2],
      ["empty element", "[{},\n,{}]", 2],
      ["mismatched brackets fail at once", '[{"a":1},\n{"a":[1}, {"b":2}]', 2],
      ["stray closing brace", '[{"a":1}},\n{}]', 1],
      // JSON.parse (V8) does not always say where in an element it failed: the line is then the element's first
      [
        "error inside a pretty-printed element names the line the element starts on",
        '[\n  {\n    "a": 1,\n    "b": nope\n  }\n]',
        2,
      ],
    ])("%s", async (_name, input, line) => {
      await expectDataError(decodeAll(text(input), { format: "json", key }), { key, line });
    });

    test("an element that is not an object names its index and line", async () => {
      const error = await expectDataError(
        decodeAll(text('[{"a":1},\n{"a":2},\n[3]]'), { format: "json", key }),
        {
          key,
          line: 3,
          position: 2,
        },
      );
      expect(error.message).toMatch(/an array, expected an object/);
      await expectDataError(decodeAll(text('[\n"x"]'), { format: "json", key }), {
        key,
        line: 2,
        position: 0,
      });
      await expectDataError(decodeAll(text("[{},\nnull]"), { format: "json", key }), {
        key,
        line: 2,
        position: 1,
      });
    });

    test("line numbers stay right when the error is in a later chunk", async () => {
      const input = Buffer.from(`[\n${'{"a":1},\n'.repeat(50)}{"a":}]`);
      await expectDataError(decodeAll(chunked(input, 7), { format: "json", key }), { key, line: 52 });
    });
  });
});
