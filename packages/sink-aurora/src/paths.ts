/**
 * Value paths of layout columns, compiled once per column:
 * - `a.b.c`: nested field (undefined when a step is missing or not an object);
 * - `a[].b`: the items of array `a` mapped to their `b` (missing ones dropped) — a JSON array;
 * - `x|y`: the first alternative that is neither undefined nor null.
 */
import type { JsonObject } from "@sluice/core";

/** Reads a column's value from a record (a child table's: also its parent record and array index). */
export type ValueGetter = (record: JsonObject, parent?: JsonObject, index?: number) => unknown;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function step(value: unknown, segment: string): unknown {
  if (segment.endsWith("[]")) {
    const v = step(value, segment.slice(0, -2));
    return Array.isArray(v) ? v : undefined;
  }
  return isObject(value) ? value[segment] : undefined;
}

function compileOne(path: string): ValueGetter {
  const segments = path.split(".");
  if (segments.length === 1 && !path.endsWith("[]")) return (r) => r[path];
  return (record) => walk(record, segments, 0);
}

function walk(value: unknown, segments: string[], from: number): unknown {
  let v = value;
  for (let i = from; i < segments.length; i++) {
    const s = segments[i]!;
    v = step(v, s);
    if (v === undefined) return undefined;
    if (s.endsWith("[]") && i < segments.length - 1) {
      return (v as unknown[])
        .map((item) => walk(item, segments, i + 1))
        .filter((x) => x !== undefined && x !== null);
    }
  }
  return v;
}

export function compilePath(path: string, options: { literal?: boolean } = {}): ValueGetter {
  if (options.literal) return (r) => r[path];
  const alternatives = path.split("|").map((p) => compileOne(p.trim()));
  if (alternatives.length === 1) return alternatives[0]!;
  return (record, parent, index) => {
    for (const get of alternatives) {
      const v = get(record, parent, index);
      if (v !== undefined && v !== null) return v;
    }
    return null;
  };
}
