/** JSON shapes of datasets, tables and result pages as the REST API returns them. */
import { type Cell, rowCells, type TimestampFormat } from "./cells.js";
import type { FieldSchema, StoredRow } from "./schema.js";
import type { Dataset, Table } from "./store.js";

export function datasetResource(d: Dataset): Record<string, unknown> {
  return {
    kind: "bigquery#dataset",
    id: `${d.projectId}:${d.datasetId}`,
    etag: String(d.creationTime),
    datasetReference: { projectId: d.projectId, datasetId: d.datasetId },
    location: d.location,
    creationTime: String(d.creationTime),
    lastModifiedTime: String(d.creationTime),
  };
}

export function tableResource(t: Table): Record<string, unknown> {
  return {
    kind: "bigquery#table",
    id: `${t.projectId}:${t.datasetId}.${t.tableId}`,
    etag: String(t.etag),
    tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
    schema: { fields: t.schema },
    numRows: String(t.rows.length),
    numBytes: "0",
    type: "TABLE",
    creationTime: String(t.creationTime),
    lastModifiedTime: String(t.lastModifiedTime),
    ...(t.expirationTime !== undefined ? { expirationTime: String(t.expirationTime) } : {}),
    ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
    ...(t.clustering ? { clustering: t.clustering } : {}),
    ...(t.description ? { description: t.description } : {}),
  };
}

/** One page of rows: `pageToken` is the next start index. */
export function rowPage(
  schema: FieldSchema[],
  rows: readonly StoredRow[],
  start: number,
  max: number,
  format: TimestampFormat,
): { rows: { f: Cell[] }[]; totalRows: string; pageToken?: string } {
  const end = Math.min(rows.length, start + max);
  const page = rows.slice(start, end).map((r) => rowCells(schema, r, format));
  return {
    rows: page,
    totalRows: String(rows.length),
    ...(end < rows.length ? { pageToken: String(end) } : {}),
  };
}
