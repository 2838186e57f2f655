import { parse } from "lossless-json";

const isUnsafeInteger = (v: unknown): boolean =>
  typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v);

function hasUnsafeInteger(value: unknown, depth = 0): boolean {
  if (isUnsafeInteger(value)) return true;
  if (depth > 64 || value === null || typeof value !== "object") return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (hasUnsafeInteger(v, depth + 1)) return true;
  }
  return false;
}

/** Integer text whose value a double cannot hold exactly stays text; every other number is a number. */
function parseNumber(text: string): number | string {
  const n = Number(text);
  return /^-?\d+$/.test(text) && !Number.isSafeInteger(n) ? text : n;
}

/**
 * JSON.parse that never rounds an integer: integers beyond ±2^53 come back as their decimal
 * text (e.g. `"9007199254740993"`). The fast path is `JSON.parse`; only a document holding
 * such an integer is parsed again with lossless-json. (A parsed value that is a safe integer
 * was that exact integer in the text: rounding only happens beyond 2^53.)
 */
export function parseJsonExact(text: string): unknown {
  const fast: unknown = JSON.parse(text);
  if (!hasUnsafeInteger(fast)) return fast;
  return parse(text, undefined, parseNumber);
}
