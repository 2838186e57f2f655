// Test-only helpers (not exported from the package).
import {
  type JsonObject,
  type ReadOptions,
  type SourceMessage,
  type StreamReporter,
  silentLogger,
} from "@sluice/core";

export interface RecordingReporter extends StreamReporter {
  calls: number;
  warnings: Array<{ code: string; message: string }>;
}

export function reporter(): RecordingReporter {
  const r: RecordingReporter = {
    calls: 0,
    warnings: [],
    call() {
      r.calls++;
    },
    retry() {},
    rateLimitWait() {},
    warn(code, message) {
      r.warnings.push({ code, message });
    },
    setTotal() {},
  };
  return r;
}

export function readOptions(
  rep: StreamReporter = reporter(),
  signal: AbortSignal = new AbortController().signal,
): ReadOptions {
  return { syncMode: "full", signal, logger: silentLogger(), reporter: rep };
}

/** Drains a read() iterable: every record, and the batch sizes seen. */
export async function drain(
  iterable: AsyncIterable<SourceMessage>,
): Promise<{ records: JsonObject[]; batches: number[] }> {
  const records: JsonObject[] = [];
  const batches: number[] = [];
  for await (const m of iterable) {
    if (m.kind === "records") {
      records.push(...m.records);
      batches.push(m.records.length);
    }
  }
  return { records, batches };
}
