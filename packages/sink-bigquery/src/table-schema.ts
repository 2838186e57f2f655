/** Schema unions (a table only ever gains nullable columns) and the upsert MERGE statement. */
import type { BigQueryField } from "./schema-mapping.js";

/** `existing` plus whatever `wanted` adds, recursively inside RECORDs; existing order kept. */
export function unionFields(existing: BigQueryField[], wanted: BigQueryField[]): BigQueryField[] {
  const out = existing.map((f) => ({ ...f }));
  for (const w of wanted) {
    const i = out.findIndex((f) => f.name.toLowerCase() === w.name.toLowerCase());
    if (i < 0) {
      out.push({ ...w, mode: w.mode === "REQUIRED" ? "NULLABLE" : w.mode });
      continue;
    }
    const e = out[i]!;
    if (w.fields && e.fields) out[i] = { ...e, fields: unionFields(e.fields, w.fields) };
  }
  return out;
}

export const SEQ_COLUMN = "_sluice_seq";
export const DELETED_COLUMN = "_sluice_deleted";

const q = (name: string) => `\`${name}\``;

/**
 * Upsert: dedupe the staging rows by key (the last written wins), delete tombstoned keys,
 * update matched rows' `columns`, insert the rest. One statement, so one atomic change.
 */
export function mergeStatement(target: string, staging: string, keys: string[], columns: string[]): string {
  const updates = columns.filter((c) => !keys.includes(c));
  const set = (updates.length > 0 ? updates : keys).map((c) => `${q(c)} = S.${q(c)}`).join(", ");
  return [
    `MERGE ${q(target)} T`,
    `USING (SELECT * FROM ${q(staging)} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY ${keys.map(q).join(", ")} ORDER BY ${q(SEQ_COLUMN)} DESC) = 1) S`,
    `ON ${keys.map((k) => `T.${q(k)} = S.${q(k)}`).join(" AND ")}`,
    `WHEN MATCHED AND S.${q(DELETED_COLUMN)} IS TRUE THEN DELETE`,
    `WHEN MATCHED THEN UPDATE SET ${set}`,
    `WHEN NOT MATCHED AND S.${q(DELETED_COLUMN)} IS NOT TRUE THEN INSERT (${columns.map(q).join(", ")}) VALUES (${columns.map((c) => `S.${q(c)}`).join(", ")})`,
  ].join("\n");
}
