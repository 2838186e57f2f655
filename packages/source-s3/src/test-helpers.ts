// Test-only helpers (not exported from the package).
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  type JsonObject,
  type ReadOptions,
  type SourceMessage,
  type StreamReporter,
  silentLogger,
} from "@sluice/core";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll } from "vitest";

/**
 * One s3rver for the calling test file (started before its tests, closed after) and fresh,
 * uniquely named buckets on it. Call at the top level of the file.
 */
export function s3rverFixture(prefix: string): { readonly s3: S3rverHandle; bucket(): Promise<string> } {
  let handle: S3rverHandle | undefined;
  let n = 0;
  beforeAll(async () => {
    handle = await startS3rver();
  });
  afterAll(async () => handle?.close());
  const fixture = {
    get s3(): S3rverHandle {
      if (!handle) throw new Error("s3rver is not started: use the fixture inside tests");
      return handle;
    },
    async bucket(): Promise<string> {
      const name = `${prefix}-${process.pid}-${++n}`;
      await fixture.s3.client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
  };
  return fixture;
}

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
