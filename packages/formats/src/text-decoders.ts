import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { JsonObject } from "@sluice/core";
import { DataError } from "@sluice/core";
import { type Options as CsvParseOptions, parse as csvParse } from "csv-parse";

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * JSON Lines: one object per line. Bytes go through a streaming TextDecoder (so UTF-8
 * characters split across chunks survive), lines are split on "\n" ("\r\n" works too),
 * blank lines are skipped. A line that is not valid JSON, or not an object, is a DataError
 * naming `key` and the 1-based line.
 */
export async function* decodeJsonLines(
  input: AsyncIterable<Uint8Array>,
  key: string | undefined,
  batchSize: number,
): AsyncGenerator<JsonObject[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let parts: string[] = [];
  let line = 0;
  let batch: JsonObject[] = [];

  const handle = (text: string, lineNo: number): void => {
    if (text.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DataError(
        `Invalid JSON line: ${(error as Error).message}`,
        { key, line: lineNo },
        { cause: error },
      );
    }
    if (!isObject(value))
      throw new DataError(`JSON line is ${describe(value)}, expected an object`, { key, line: lineNo });
    batch.push(value);
  };
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (error) {
      throw new DataError("Invalid UTF-8", { key, line: line + 1 }, { cause: error });
    }
  };

  for await (const chunk of input) {
    const text = decode(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      const full = parts.length > 0 ? parts.join("") + piece : piece;
      parts = [];
      handle(full, ++line);
      start = nl + 1;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (start < text.length) parts.push(start === 0 ? text : text.slice(start));
  }
  const rest = decode();
  if (rest) parts.push(rest);
  if (parts.length > 0) handle(parts.join(""), ++line);
  if (batch.length > 0) yield batch;
}

/**
 * CSV with a header row (csv-parse). Values stay strings, except empty cells, which are null
 * (quoted `""` too: csv-parse only exposes quoting through a per-field `cast` callback that
 * makes parsing ~4x slower). Bad rows (wrong column count, unclosed quote) are a DataError
 * naming `key` and the 1-based line.
 */
export async function* decodeCsv(
  input: AsyncIterable<Uint8Array>,
  key: string | undefined,
  batchSize: number,
  delimiter: string,
): AsyncGenerator<JsonObject[]> {
  let lastLine = 1; // line on which the last good record (or the header) ended
  let header: string[] | undefined;
  // Rows are parsed as arrays (2-3x faster in csv-parse than `columns: true` or a `cast`
  // callback) and turned into objects here; csv-parse itself rejects rows whose length differs
  // from the header's. on_record runs synchronously as each row is parsed, so `lastLine` is
  // exact even though the async iterator drops already-parsed rows when an error follows.
  const options: CsvParseOptions<JsonObject, string[]> = {
    bom: true,
    delimiter,
    skip_empty_lines: true,
    on_record: (row: string[], context: { lines: number }) => {
      lastLine = context.lines;
      if (header === undefined) {
        header = row;
        return null;
      }
      const record: JsonObject = {};
      for (let i = 0; i < row.length; i++) {
        const value = row[i] as string;
        record[header[i] as string] = value === "" ? null : value;
      }
      return record;
    },
  };
  const parser = csvParse(options as unknown as CsvParseOptions); // the typings cannot express on_record changing the row type
  const done = pipeline(Readable.from(input, { objectMode: false }), parser);
  done.catch(() => {}); // surfaced through the iteration below
  let batch: JsonObject[] = [];
  try {
    for await (const record of parser) {
      batch.push(record as JsonObject);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    await done;
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("CSV_")) {
      // An unclosed quote is only noticed at the end of the input: name the line its record starts on.
      const lines = (error as { lines?: unknown }).lines;
      const line =
        code === "CSV_QUOTE_NOT_CLOSED" ? lastLine + 1 : typeof lines === "number" ? lines : undefined;
      throw new DataError(`Invalid CSV: ${(error as Error).message}`, { key, line }, { cause: error });
    }
    throw error;
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
  if (batch.length > 0) yield batch;
}
