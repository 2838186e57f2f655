/**
 * How a STOMP stream lands in a tabular store (the generic-stream layout the SQL sink reads):
 * the key column `id` (from RECORD_KEY; one column per field for a composite key), typed
 * columns for the scalar fields of the record schema, and `raw` JSON holding the whole record
 * as landed (including `_message_id`). Document stores ignore everything but `table`.
 */
import type { JsonSchema, LayoutColumn, StreamDescriptor, TableLayout } from "@sluice/core";

const snake = (s: string) =>
  s
    .replace(/^_+/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\W+/g, "_")
    .toLowerCase();

/** The JSON schema of a record after the attendance transform (scalar fields only typed). */
export const ATTENDANCE_JSON_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 255 },
    document: { type: "string", maxLength: 14 },
    age: { type: "integer" },
    sex: { type: "string", maxLength: 32 },
    channel: { type: "string", maxLength: 64 },
    date: { type: "string", format: "date-time" },
    headache: { type: "boolean" },
    otherSymptoms: { type: "boolean" },
    covidContact: { type: "boolean" },
    covidTest: { type: "string", maxLength: 64 },
    serviceScore: { type: "integer" },
    solved: { type: "boolean" },
    services: { type: "object" },
  },
};

/** Metadata every STOMP record carries. */
const RECEIVED_AT: LayoutColumn = {
  name: "received_at",
  path: "_received_at",
  type: "timestamp",
  timestampFormat: "iso",
  nullable: true,
};

function scalarColumns(schema: JsonSchema | undefined, skip: Set<string>): LayoutColumn[] {
  const properties = (schema?.properties ?? {}) as Record<
    string,
    { type?: string; maxLength?: number; format?: string }
  >;
  const columns: LayoutColumn[] = [];
  for (const [field, p] of Object.entries(properties)) {
    if (skip.has(field)) continue;
    const base = { name: snake(field), path: field, nullable: true };
    if (p.type === "integer") columns.push({ ...base, type: "integer" });
    else if (p.type === "number") columns.push({ ...base, type: "number" });
    else if (p.type === "boolean") columns.push({ ...base, type: "boolean" });
    else if (p.type === "string" && p.format === "date-time")
      columns.push({ ...base, type: "timestamp", timestampFormat: "iso" });
    else if (p.type === "string") columns.push({ ...base, type: "string", maxLength: p.maxLength ?? 255 });
  }
  return columns;
}

export function streamDescriptor(
  table: string,
  recordKey: string[],
  schema: JsonSchema | undefined,
): StreamDescriptor {
  const keyColumns: LayoutColumn[] =
    recordKey.length === 1
      ? [{ name: "id", path: recordKey[0]!, type: "string", maxLength: 255, key: true, nullable: false }]
      : recordKey.map((k) => ({
          name: snake(k),
          path: k,
          type: "string",
          maxLength: 255,
          key: true,
          nullable: false,
        }));
  const layout: TableLayout = {
    table,
    columns: [...keyColumns, ...scalarColumns(schema, new Set(recordKey)), RECEIVED_AT],
    raw: true,
  };
  return { name: table, primaryKey: recordKey, ...(schema ? { schema } : {}), layout };
}
