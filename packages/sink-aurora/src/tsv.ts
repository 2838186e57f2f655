/**
 * TSV for `LOAD DATA ... FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'`:
 * backslash, tab, newline, carriage return and NUL are escaped; NULL is `\N`. FIELDS ENCLOSED BY
 * is empty, so the word NULL stays a string.
 */
import type { Cell } from "./cells.js";

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_G = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

export function tsvField(cell: Cell): string {
  if (cell === null) return "\\N";
  if (typeof cell === "number") return String(cell);
  return SPECIAL.test(cell) ? cell.replace(SPECIAL_G, (c) => ESCAPES[c]!) : cell;
}

export function tsvLine(row: Cell[]): string {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += "\t";
    line += tsvField(row[i]!);
  }
  return `${line}\n`;
}

/** Rows as Buffer chunks of roughly `chunkBytes` (bounded memory for the infile stream). */
export function* encodeTsvRows(rows: Cell[][], chunkBytes = 256 * 1024): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const line = tsvLine(row);
    parts.push(line);
    size += line.length;
    if (size >= chunkBytes) {
      yield Buffer.from(parts.join(""), "utf8");
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(""), "utf8");
}
