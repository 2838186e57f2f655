import type { FormatName, FormatOptions } from "./types.js";

const FORMATS: readonly FormatName[] = ["json", "jsonl", "csv", "parquet"];

/** File extension for the options: "jsonl", "jsonl.gz", "parquet" (parquet never gets ".gz"). */
export function extensionFor(options: FormatOptions): string {
  const gz = options.gzip === true && options.format !== "parquet";
  return gz ? `${options.format}.gz` : options.format;
}

/** Format and gzip from an object key: "a/b.jsonl.gz" → { format: "jsonl", gzip: true }. Also accepts ".ndjson". */
export function formatFromKey(key: string): { format: FormatName; gzip: boolean } | undefined {
  let name = key.toLowerCase();
  const slash = name.lastIndexOf("/");
  if (slash >= 0) name = name.slice(slash + 1);
  let gzip = false;
  if (name.endsWith(".gz")) {
    gzip = true;
    name = name.slice(0, -3);
  } else if (name.endsWith(".gzip")) {
    gzip = true;
    name = name.slice(0, -5);
  }
  const dot = name.lastIndexOf(".");
  if (dot < 0) return undefined;
  let ext = name.slice(dot + 1);
  if (ext === "ndjson") ext = "jsonl";
  if (ext === "pq") ext = "parquet";
  if (!(FORMATS as readonly string[]).includes(ext)) return undefined;
  return { format: ext as FormatName, gzip };
}
