import { CancelledError, DataError } from "../errors.js";
import type { JsonObject } from "../types.js";

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}

/**
 * The iterator's next result, or a rejection as soon as the signal aborts (a source that ignores
 * its signal cannot hold the run). The abort listener lives for one call only: racing every call
 * against one long-lived promise would make that promise retain every batch (Promise.race leak).
 */
export function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Sleeps `ms`, rejecting early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Records whose size is measured exactly; above it, an even sample of this many is. */
const SIZE_SAMPLE = 16;

/**
 * Approximate JSON size of a batch: exact for small batches, else extrapolated from an even
 * sample. Serialising every record only to count bytes cost as much CPU as the sinks' own
 * encoding; the estimate bounds batch memory just as well (maxRecords still caps every batch).
 * A record too deeply nested to serialise is a DataError naming the stream and the record's id.
 */
export function estimateBytes(records: JsonObject[], stream?: string): number {
  const n = records.length;
  if (n <= SIZE_SAMPLE) return records.reduce((sum, r) => sum + sizeOf(r, stream) + 1, 0);
  let sampled = 0;
  for (let k = 0; k < SIZE_SAMPLE; k++) {
    sampled += sizeOf(records[Math.floor((k * n) / SIZE_SAMPLE)]!, stream) + 1;
  }
  return (sampled / SIZE_SAMPLE) * n;
}

function sizeOf(record: JsonObject, stream: string | undefined): number {
  try {
    return JSON.stringify(record).length;
  } catch (error) {
    const id = record.id;
    const recordId = typeof id === "string" || typeof id === "number" ? String(id) : undefined;
    const why = error instanceof RangeError ? "nested too deeply to serialise" : "not serialisable to JSON";
    throw new DataError(`record ${why}`, { stream, recordId }, { cause: error });
  }
}
