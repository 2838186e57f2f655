import type { JsonObject, JsonValue } from "@sluice/core";

const ID_KEY = /(^id$|_id$)/;
const IDS_KEY = /_ids$/;
const TIME_KEY = /(_at|_until|^waiting_since)$/;
/** In 2.16 an unassigned conversation has assignee 0 (≤ 2.15: null); normalised back to null. */
const ZERO_MEANS_NONE = new Set(["admin_assignee_id", "team_assignee_id"]);

/**
 * Normalises an Intercom object in place: every id (`id`, `*_id`, `*_ids[]`) becomes a string,
 * numeric-string timestamps (`*_at`) become integers (Unix seconds), and 0 assignees become null.
 * `custom_attributes` are kept exactly as the API sent them.
 */
export function normalize<T extends JsonObject>(record: T): T {
  walk(record, 0);
  return record;
}

function walk(obj: JsonObject, depth: number): void {
  if (depth > 12) return;
  for (const [key, value] of Object.entries(obj)) {
    if (key === "custom_attributes") continue;
    if (ID_KEY.test(key)) {
      if (ZERO_MEANS_NONE.has(key) && (value === 0 || value === "0")) obj[key] = null;
      else if (typeof value === "number") obj[key] = String(value);
      continue;
    }
    if (IDS_KEY.test(key) && Array.isArray(value)) {
      obj[key] = value.map((v) => (typeof v === "number" ? String(v) : v));
      continue;
    }
    if (TIME_KEY.test(key) && typeof value === "string" && /^\d{9,11}$/.test(value)) {
      obj[key] = Number(value);
      continue;
    }
    if (Array.isArray(value)) {
      for (const item of value) if (isObject(item)) walk(item, depth + 1);
    } else if (isObject(value)) walk(value, depth + 1);
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: JsonValue | undefined): JsonObject[] {
  return Array.isArray(v) ? (v.filter(isObject) as JsonObject[]) : [];
}

export function asNumber(v: JsonValue | undefined): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
