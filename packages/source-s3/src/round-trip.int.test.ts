import { type JsonObject, silentLogger } from "@sluice/core";
import type { FormatOptions } from "@sluice/formats";
import { s3Sink } from "@sluice/sink-s3";
import { describe, expect, it } from "vitest";
import { s3Source } from "./source.js";
import { drain, readOptions, s3rverFixture } from "./test-helpers.js";

const fixture = s3rverFixture("rt");
const bucket = () => fixture.bucket();

const FIVE_MB = 5 * 1024 * 1024;
const TEXTS = [
  "Zoë 😀",
  "مرحبا بالعالم",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎",
  'tab\tnew\nline "quoted", comma \\ back',
  "日本語テキスト",
];

/** String-valued records (every format keeps strings as strings), one with a 5 MB value. */
function records(): JsonObject[] {
  const out: JsonObject[] = Array.from({ length: 2500 }, (_, i) => ({
    id: `c${String(i).padStart(5, "0")}`,
    name: `${TEXTS[i % TEXTS.length]} #${i}`,
    email: `user${i}@example.com`,
  }));
  out[1234] = {
    id: "c01234",
    name: "big ✓",
    email: "é😀x".repeat(Math.ceil(FIVE_MB / 7)) /* 7 UTF-8 bytes each: > 5 MB */,
  };
  return out;
}

async function roundTrip(
  format: FormatOptions,
): Promise<{ input: JsonObject[]; output: JsonObject[]; key: string }> {
  const b = await bucket();
  const sink = s3Sink({ bucket: b, prefix: "rt/", format, client: fixture.s3.client });
  const writer = await sink.open(
    { name: "contacts", primaryKey: ["id"] },
    {
      mode: "replace",
      runId: "rt",
      runStartedAt: new Date(),
      signal: new AbortController().signal,
      logger: silentLogger(),
    },
  );
  const input = records();
  for (let i = 0; i < input.length; i += 500) await writer.write(input.slice(i, i + 500));
  const report = await writer.commit({ stateKey: "rt/contacts" });
  const key = (report.details!.keys as string[])[0]!;
  // format inferred from the key's extension
  const source = s3Source({
    bucket: b,
    streams: { contacts: { key } },
    client: fixture.s3.client,
    batchSize: 700,
  });
  const { records: output, batches } = await drain(source.read("contacts", readOptions()));
  expect(Math.max(...batches)).toBeLessThanOrEqual(700);
  return { input, output, key };
}

describe("sink-s3 → source-s3 round trip", () => {
  const cases: Array<[string, FormatOptions, string]> = [
    ["json", { format: "json" }, "rt/contacts.json"],
    ["json gzip", { format: "json", gzip: true }, "rt/contacts.json.gz"],
    ["jsonl", { format: "jsonl" }, "rt/contacts.jsonl"],
    ["jsonl gzip", { format: "jsonl", gzip: true }, "rt/contacts.jsonl.gz"],
    ["csv", { format: "csv" }, "rt/contacts.csv"],
    ["csv gzip", { format: "csv", gzip: true }, "rt/contacts.csv.gz"],
    ["parquet", { format: "parquet" }, "rt/contacts.parquet"],
  ];
  for (const [name, format, expectedKey] of cases) {
    it(`${name}: unicode, emoji and a 5 MB value survive`, async () => {
      const { input, output, key } = await roundTrip(format);
      expect(key).toBe(expectedKey);
      expect(output.length).toBe(input.length);
      expect(output[1234]?.email).toBe(input[1234]?.email);
      expect(output).toEqual(input);
    });
  }

  it("keeps nested values and numbers in JSON formats", async () => {
    const b = await bucket();
    const sink = s3Sink({ bucket: b, format: { format: "jsonl", gzip: true }, client: fixture.s3.client });
    const w = await sink.open(
      { name: "conversations", primaryKey: ["id"] },
      {
        mode: "replace",
        runId: "r",
        runStartedAt: new Date(),
        signal: new AbortController().signal,
        logger: silentLogger(),
      },
    );
    const input = [{ id: 1, parts: [{ body: "hi 👋", at: 1.5 }], open: true, assignee: null }];
    await w.write(input);
    await w.commit({ stateKey: "k" });
    const source = s3Source({
      bucket: b,
      streams: { conversations: { prefix: "conversations" } },
      client: fixture.s3.client,
    });
    expect((await drain(source.read("conversations", readOptions()))).records).toEqual(input);
  });
});
