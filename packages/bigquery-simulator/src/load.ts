/**
 * A load job's data path: NDJSON bytes arrive in chunks (resumable upload) or at once
 * (multipart); each complete line is parsed and converted against the schema as it arrives,
 * with BigQuery's bad-record accounting (`maxBadRecords`, `ignoreUnknownValues`).
 */
import { StringDecoder } from "node:string_decoder";
import type { ErrorProto } from "./errors.js";
import { convertObject, type FieldSchema, RowError, type StoredRow } from "./schema.js";

export interface LoadConfig {
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  schema?: { fields?: FieldSchema[] };
  sourceFormat?: string;
  writeDisposition?: string;
  createDisposition?: string;
  ignoreUnknownValues?: boolean;
  maxBadRecords?: number;
  schemaUpdateOptions?: string[];
  timePartitioning?: Record<string, unknown>;
  clustering?: { fields: string[] };
}

const MAX_LISTED_ERRORS = 5;

export class NdjsonLoader {
  readonly rows: StoredRow[] = [];
  readonly rowErrors: ErrorProto[] = [];
  badRecords = 0;
  bytes = 0;
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private offset = 0;

  constructor(
    private readonly fields: FieldSchema[],
    private readonly ignoreUnknown: boolean,
  ) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest.trim() !== "") this.line(rest);
  }

  private line(raw: string): void {
    const start = this.offset;
    this.offset += Buffer.byteLength(raw) + 1;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new RowError("", "Parser terminated before end of string");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new RowError("", "Expected a JSON object");
      this.rows.push(convertObject(this.fields, parsed as Record<string, unknown>, "", this.ignoreUnknown));
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      this.badRecords++;
      if (this.rowErrors.length < MAX_LISTED_ERRORS) {
        this.rowErrors.push({
          reason: "invalid",
          message: `Error while reading data, error message: JSON parsing error in row starting at position ${start}: ${error.message}`,
          ...(error.field ? { location: error.field } : {}),
        });
      }
    }
  }

  /** BigQuery's verdict: undefined when within `maxBadRecords`, else the job's errorResult + errors. */
  verdict(maxBad: number): { errorResult: ErrorProto; errors: ErrorProto[] } | undefined {
    if (this.badRecords <= maxBad) return undefined;
    const total = this.rows.length + this.badRecords;
    const errorResult = {
      reason: "invalid",
      message: `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${total}; errors: ${this.badRecords}. Please look into the errors[] collection for more details.`,
    };
    return {
      errorResult,
      errors: [
        errorResult,
        {
          reason: "invalid",
          message: `Error while reading data, error message: JSON processing encountered too many errors, giving up. Rows: ${total}; errors: ${this.badRecords}; max bad: ${maxBad}; error percent: 0`,
        },
        ...this.rowErrors,
      ],
    };
  }
}
