/**
 * Datasets and tables in memory. A table's rows are an immutable array replaced in one step by
 * every load or DML job, so a reader sees the old content or the new one, never a mix or nothing.
 */
import { duplicate, invalid, notFound } from "./errors.js";
import { type FieldSchema, type StoredRow, schemaProblem } from "./schema.js";

export interface Table {
  projectId: string;
  datasetId: string;
  tableId: string;
  schema: FieldSchema[];
  rows: readonly StoredRow[];
  creationTime: number;
  lastModifiedTime: number;
  expirationTime?: number | undefined;
  timePartitioning?: Record<string, unknown> | undefined;
  clustering?: { fields: string[] } | undefined;
  description?: string | undefined;
  etag: number;
}

export interface Dataset {
  projectId: string;
  datasetId: string;
  location: string;
  creationTime: number;
  tables: Map<string, Table>;
}

const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;

export class Store {
  private readonly datasets = new Map<string, Dataset>();

  constructor(private readonly now: () => number = Date.now) {}

  listDatasets(projectId: string): Dataset[] {
    return [...this.datasets.values()].filter((d) => d.projectId === projectId);
  }

  dataset(projectId: string, datasetId: string): Dataset {
    const d = this.datasets.get(`${projectId}:${datasetId}`);
    if (!d) throw notFound(`Dataset ${projectId}:${datasetId}`);
    return d;
  }

  createDataset(projectId: string, datasetId: string, location = "US"): Dataset {
    if (!DATASET_ID.test(datasetId)) throw invalid(`Invalid dataset ID "${datasetId}".`);
    const key = `${projectId}:${datasetId}`;
    if (this.datasets.has(key)) throw duplicate(`Dataset ${key}`);
    const d: Dataset = { projectId, datasetId, location, creationTime: this.now(), tables: new Map() };
    this.datasets.set(key, d);
    return d;
  }

  deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): void {
    const d = this.dataset(projectId, datasetId);
    if (!deleteContents && this.liveTables(d).length > 0)
      throw invalid(`Dataset ${projectId}:${datasetId} is still in use`);
    this.datasets.delete(`${projectId}:${datasetId}`);
  }

  /** Tables of a dataset, expired ones dropped first (expiration is lazy). */
  liveTables(d: Dataset): Table[] {
    for (const t of [...d.tables.values()]) this.expire(d, t);
    return [...d.tables.values()];
  }

  private expire(d: Dataset, t: Table): boolean {
    if (t.expirationTime !== undefined && t.expirationTime <= this.now()) {
      d.tables.delete(t.tableId);
      return true;
    }
    return false;
  }

  findTable(projectId: string, datasetId: string, tableId: string): Table | undefined {
    const d = this.dataset(projectId, datasetId);
    const t = d.tables.get(tableId);
    if (!t || this.expire(d, t)) return undefined;
    return t;
  }

  table(projectId: string, datasetId: string, tableId: string): Table {
    const t = this.findTable(projectId, datasetId, tableId);
    if (!t) throw notFound(`Table ${projectId}:${datasetId}.${tableId}`);
    return t;
  }

  createTable(
    projectId: string,
    datasetId: string,
    tableId: string,
    init: Partial<Omit<Table, "projectId" | "datasetId" | "tableId">>,
  ): Table {
    const d = this.dataset(projectId, datasetId);
    if (!TABLE_ID.test(tableId)) throw invalid(`Invalid table ID "${tableId}".`);
    if (this.findTable(projectId, datasetId, tableId))
      throw duplicate(`Table ${projectId}:${datasetId}.${tableId}`);
    const problem = schemaProblem(init.schema ?? []);
    if (problem) throw invalid(problem);
    const at = this.now();
    const t: Table = {
      projectId,
      datasetId,
      tableId,
      schema: init.schema ?? [],
      rows: init.rows ?? [],
      creationTime: at,
      lastModifiedTime: at,
      expirationTime: init.expirationTime,
      timePartitioning: init.timePartitioning,
      clustering: init.clustering,
      description: init.description,
      etag: 1,
    };
    d.tables.set(tableId, t);
    return t;
  }

  deleteTable(projectId: string, datasetId: string, tableId: string): void {
    this.table(projectId, datasetId, tableId);
    this.dataset(projectId, datasetId).tables.delete(tableId);
  }

  /** The one atomic step of a job: new rows (and schema) replace the old in a single assignment. */
  swap(t: Table, rows: readonly StoredRow[], schema?: FieldSchema[]): void {
    t.rows = rows;
    if (schema) t.schema = schema;
    t.lastModifiedTime = this.now();
    t.etag++;
  }
}
