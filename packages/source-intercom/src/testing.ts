// Test helpers (not exported from the package entry).
import {
  type Checkpoint,
  type JsonObject,
  type Source,
  type StreamReporter,
  type SyncMode,
  silentLogger,
} from "@sluice/core";

export interface Recorded {
  calls: number;
  retries: number;
  waits: Array<{ ms: number; is429: boolean }>;
  warnings: Array<{ code: string; message: string; details?: JsonObject | undefined }>;
  total: number | undefined;
}

export function recordingReporter(): { reporter: StreamReporter; recorded: Recorded } {
  const recorded: Recorded = { calls: 0, retries: 0, waits: [], warnings: [], total: undefined };
  const reporter: StreamReporter = {
    call: () => void recorded.calls++,
    retry: () => void recorded.retries++,
    rateLimitWait: (ms, is429) => void recorded.waits.push({ ms, is429: !!is429 }),
    warn: (code, message, details) => void recorded.warnings.push({ code, message, details }),
    setTotal: (n) => {
      recorded.total = n;
    },
  };
  return { reporter, recorded };
}

export interface ReadResult extends Recorded {
  records: JsonObject[];
  checkpoints: Checkpoint[];
  batches: number;
}

/** Reads one stream to the end, like the runner does (optionally slowly). */
export async function readAll(
  source: Source,
  stream: string,
  options: { syncMode?: SyncMode; state?: Checkpoint; signal?: AbortSignal; delayPerBatchMs?: number } = {},
): Promise<ReadResult> {
  const { reporter, recorded } = recordingReporter();
  const records: JsonObject[] = [];
  const checkpoints: Checkpoint[] = [];
  let batches = 0;
  for await (const m of source.read(stream, {
    syncMode: options.syncMode ?? "full",
    state: options.state,
    signal: options.signal ?? new AbortController().signal,
    logger: silentLogger(),
    reporter,
  })) {
    if (m.kind === "records") {
      batches++;
      records.push(...m.records);
      if (options.delayPerBatchMs) await new Promise((r) => setTimeout(r, options.delayPerBatchMs));
    } else if (m.kind === "checkpoint") checkpoints.push(m.checkpoint);
  }
  // like the runner after a commit: the source may persist what the checkpoint refers to
  const last = checkpoints.at(-1);
  if (last) await source.committed?.(stream, last);
  return { ...recorded, records, checkpoints, batches };
}

export const ids = (records: JsonObject[]): string[] => records.map((r) => String(r.id)).sort();
