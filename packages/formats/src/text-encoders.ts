import type { JsonObject, JsonValue } from "@sluice/core";
import { DataError } from "@sluice/core";
import { stringify } from "csv-stringify/sync";
import type { ResolvedCsvOptions } from "./options.js";

/** A format encoder before compression and stats: records in, raw bytes out. */
export interface RawEncoder {
  encode(records: JsonObject[], firstIndex: number): Promise<Uint8Array[]> | Uint8Array[];
  finish(): Promise<Uint8Array[]> | Uint8Array[];
}

const utf8 = (text: string): Uint8Array[] => (text.length === 0 ? [] : [Buffer.from(text, "utf8")]);

/** One JSON array: "[", records separated by ",\n", "]". Zero records give "[]". */
export function jsonArrayEncoder(): RawEncoder {
  let count = 0;
  return {
    encode(records) {
      if (records.length === 0) return [];
      let text = count === 0 ? "[" : ",\n";
      text += records.map((r) => JSON.stringify(r)).join(",\n");
      count += records.length;
      return utf8(text);
    },
    finish() {
      return utf8(count === 0 ? "[]" : "]");
    },
  };
}

/** One JSON object per line, each line ending in "\n". */
export function jsonLinesEncoder(): RawEncoder {
  return {
    encode(records) {
      if (records.length === 0) return [];
      let text = "";
      for (const r of records) text += `${JSON.stringify(r)}\n`;
      return utf8(text);
    },
    finish() {
      return [];
    },
  };
}

/** CSV cell text: null/undefined → empty, objects/arrays → JSON, everything else → String(). */
export function csvCell(value: JsonValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * CSV with a header row. The header is `columns` when given, else the keys of the first
 * non-empty batch in first-seen order. Empty strings are written quoted (`""`) so they stay
 * distinguishable from null (an empty, unquoted cell).
 */
export function csvEncoder(options: ResolvedCsvOptions, unknownKeys: Record<string, number>): RawEncoder {
  let header: string[] | undefined = options.columns;
  let headerWritten = false;
  let headerSet = new Set(header ?? []);

  const render = (rows: (string | null)[][], withHeader: boolean): string =>
    stringify(withHeader ? [header ?? [], ...rows] : rows, {
      delimiter: options.delimiter,
      quoted_match: /^$/, // quote empty strings only: `""` is "", an empty cell is null
      record_delimiter: "\n",
    });

  return {
    encode(records, firstIndex) {
      if (records.length === 0) return [];
      if (header === undefined) {
        const keys = new Set<string>();
        for (const r of records) for (const k of Object.keys(r)) if (r[k] !== undefined) keys.add(k);
        header = [...keys];
        headerSet = keys;
      }
      const cols = header;
      const rows: (string | null)[][] = new Array(records.length);
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as JsonObject;
        if (options.unknownKeys !== "ignore") {
          for (const key of Object.keys(record)) {
            if (headerSet.has(key) || record[key] === undefined) continue;
            if (options.unknownKeys === "error") {
              throw new DataError(`CSV record has key "${key}" that is not in the header`, {
                position: firstIndex + i,
                field: key,
              });
            }
            unknownKeys[key] = (unknownKeys[key] ?? 0) + 1;
          }
        }
        const row: (string | null)[] = new Array(cols.length);
        for (let c = 0; c < cols.length; c++) row[c] = csvCell(record[cols[c] as string]);
        rows[i] = row;
      }
      const text = render(rows, !headerWritten);
      headerWritten = true;
      return utf8(text);
    },
    finish() {
      if (headerWritten || header === undefined) return [];
      headerWritten = true;
      return utf8(render([], true));
    },
  };
}
