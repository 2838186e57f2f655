import type { JsonObject } from "@sluice/core";
import { describe, expect, test } from "vitest";
import { decodeRecords } from "./index.js";
import { chunked, contacts, decodeAll, encodeAll, expectDataError, fromChunks } from "./test-helpers.js";

const text = (s: string) => [Buffer.from(s, "utf8")];

describe("jsonl", () => {
  test("encodes one object per line", async () => {
    const out = await encodeAll({ format: "jsonl" }, [[{ a: 1 }, { b: "é" }], [{ c: [1, { d: null }] }]]);
    expect(out.toString("utf8")).toBe('{"a":1}\n{"b":"é"}\n{"c":[1,{"d":null}]}\n');
    expect((await encodeAll({ format: "jsonl" }, [[]])).length).toBe(0);
  });

  test("survives a chunk boundary at every byte position (multi-byte UTF-8 split)", async () => {
    const records: JsonObject[] = [
      { s: "é😀مرحبا", nested: { a: ["ü"] } },
      { emoji: "👩‍👩‍👧", rtl: "שלום", n: 1e21 },
      { x: "\u2028 line separator and \\n escaped newline" },
    ];
    const bytes = await encodeAll({ format: "jsonl" }, [records]);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j += 7) {
        const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        expect(await decodeAll(chunks, { format: "jsonl" }), `split at ${i},${j}`).toEqual(records);
      }
    }
    expect(await decodeAll(chunked(bytes, 1), { format: "jsonl" })).toEqual(records);
  });

  test("skips blank lines, accepts CRLF and a missing final newline", async () => {
    const input = '\n{"a":1}\r\n\r\n   \n{"a":2}\n\t\n{"a":3}';
    expect(await decodeAll(text(input), { format: "jsonl" })).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(await decodeAll([], { format: "jsonl" })).toEqual([]);
    expect(await decodeAll(text("\n\n"), { format: "jsonl" })).toEqual([]);
  });

  test("batches of batchSize, streamed before the input ends", async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) yield Buffer.from(`{"i":${++produced}}\n`);
    }
    const iterator = decodeRecords(endless(), { format: "jsonl", batchSize: 3 })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect((await iterator.next()).value).toEqual([{ i: 4 }, { i: 5 }, { i: 6 }]);
    await iterator.return?.();
    expect(produced).toBeLessThan(10);

    const records = contacts(2500);
    const bytes = await encodeAll({ format: "jsonl" }, [records]);
    const sizes: number[] = [];
    for await (const batch of decodeRecords(fromChunks(chunked(bytes, 4096)), { format: "jsonl" }))
      sizes.push(batch.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  describe("corrupt input names key and line", () => {
    const key = "s3://bucket/contacts.jsonl";
    test.each([
      ["bad JSON", '{"a":1}\n\n{"a":\n', 3],
      ["truncated last line", '{"a":1}\n{"a":2}\n{"a":', 3],
      ["an array line", '{"a":1}\n[1,2]\n', 2],
      ["a null line", "null\n", 1],
      ["a string line", '{"a":1}\n{"a":1}\n{"a":1}\n{"a":1}\n"x"\n', 5],
    ])("%s", async (_name, input, line) => {
      await expectDataError(decodeAll(chunked(Buffer.from(input), 3), { format: "jsonl", key }), {
        key,
        line,
      });
    });

    test("invalid UTF-8 is a DataError", async () => {
      const input = Buffer.concat([
        Buffer.from('{"a":1}\n{"a":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}\n'),
      ]);
      await expectDataError(decodeAll([input], { format: "jsonl", key }), { key });
    });
  });
});
