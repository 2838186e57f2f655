/**
 * Opaque cursors, docs/intercom-api-notes.md §3: base64 of a JSON array (hence the "Wz" prefix), here
 * `[sortValue, id]` of the last item of the previous page (the spec describes the same
 * shape for another cursor endpoint: "a Base64-encoded JSON array containing [updated_at, id]").
 */
export type SortValue = string | number | boolean | null;

export interface CursorKey {
  value: SortValue;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.value, key.id]), "utf8").toString("base64");
}

/** Returns undefined for anything that is not a cursor this server produced. */
export function decodeCursor(raw: string): CursorKey | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [value, id] = parsed as unknown[];
  if (typeof id !== "string") return undefined;
  if (value !== null && !["string", "number", "boolean"].includes(typeof value)) return undefined;
  return { value: value as SortValue, id };
}
