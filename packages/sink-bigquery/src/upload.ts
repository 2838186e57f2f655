/**
 * A load job fed through a resumable upload: the job is POSTed first, NDJSON is sent in chunks
 * (multiples of 256 KiB) as it is produced, and the job starts only when the last chunk is
 * sent, so nothing is visible before commit and an unfinished upload changes nothing. A failed
 * chunk is retried after asking the session how much it stored (`bytes * /*`).
 */
import { sleep, TransientError } from "@sluice/core";
import type { Connection } from "./client.js";
import { apiError } from "./errors.js";
import type { JobMetadata } from "./jobs.js";

export interface JobReply extends JobMetadata {
  jobReference?: { jobId?: string; location?: string };
}

export class ResumableUpload {
  private session?: string;
  private sent = 0;
  /** The chunk being filled, reused after each send (no per-batch buffers, no concatenation). */
  private readonly chunk: Buffer;
  private used = 0;

  constructor(
    private readonly conn: Connection,
    private readonly projectId: string,
    private readonly job: Record<string, unknown>,
    private readonly chunkBytes: number,
    private readonly retries: number,
    private readonly signal: AbortSignal,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Bytes handed over so far (sent or buffered). */
  get bytes(): number {
    return this.sent + this.used;
  }

  /** Appends each line plus "\n" as UTF-8; sends every full chunk. The promise is back-pressure. */
  async writeLines(lines: string[]): Promise<void> {
    for (const line of lines) {
      // fast path: a UTF-16 unit is at most 3 UTF-8 bytes, so the line surely fits
      if (this.used + line.length * 3 + 1 <= this.chunkBytes) {
        this.used += this.chunk.write(line, this.used);
        this.chunk[this.used++] = 0x0a;
        continue;
      }
      await this.append(Buffer.from(`${line}\n`));
    }
  }

  /** Copies `bytes` in, sending the chunk each time it is full. */
  private async append(bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(this.chunkBytes - this.used, bytes.length - offset);
      bytes.copy(this.chunk, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === this.chunkBytes) {
        await this.send(this.chunk, false);
        this.used = 0;
      }
    }
  }

  /** Sends the rest; the load job starts. Returns the job resource. */
  async finish(): Promise<JobReply> {
    const rest = this.chunk.subarray(0, this.used);
    const reply = await this.send(rest, true);
    this.used = 0;
    if (!reply) throw new TransientError("BigQuery upload finished without a job in the reply");
    return reply;
  }

  /** Cancels the session (best effort; an abandoned session expires on its own). */
  async cancel(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.used = 0;
    if (!session) return;
    await fetch(session, { method: "DELETE", headers: await this.conn.headers(session) }).then(
      (r) => r.body?.cancel(),
      () => undefined,
    );
  }

  private async start(): Promise<string> {
    const url = `${this.conn.uploadBase}/upload/bigquery/v2/projects/${encodeURIComponent(this.projectId)}/jobs?uploadType=resumable`;
    const res = await this.retrying("start the BigQuery upload", async () =>
      fetch(url, {
        method: "POST",
        headers: {
          ...(await this.conn.headers(url)),
          "content-type": "application/json; charset=UTF-8",
          "x-upload-content-type": "application/octet-stream",
        },
        body: JSON.stringify(this.job),
        signal: this.signal,
      }),
    );
    const location = res.headers.get("location");
    await res.body?.cancel();
    if (!location) throw new TransientError("BigQuery upload session without a Location header");
    this.session = location;
    return location;
  }

  private async send(chunk: Buffer, last: boolean): Promise<JobReply | undefined> {
    const session = this.session ?? (await this.start());
    let offset = 0;
    for (let attempt = 0; ; attempt++) {
      const from = this.sent + offset;
      const body = chunk.subarray(offset);
      const total = last ? String(this.sent + chunk.length) : "*";
      const range =
        body.length === 0 ? `bytes */${total}` : `bytes ${from}-${from + body.length - 1}/${total}`;
      try {
        const res = await fetch(session, {
          method: "PUT",
          headers: { ...(await this.conn.headers(session)), "content-range": range },
          body,
          signal: this.signal,
        });
        if (res.status === 308) {
          await res.body?.cancel();
          const stored = storedBytes(res.headers.get("range"));
          if (stored >= this.sent + chunk.length && !last) {
            this.sent += chunk.length;
            return undefined;
          }
          offset = Math.max(0, stored - this.sent);
          if (attempt >= this.retries) throw new TransientError(`BigQuery upload stalled at byte ${stored}`);
          continue;
        }
        if (res.ok) {
          this.sent += chunk.length;
          return (await res.json()) as JobReply;
        }
        throw await httpError(res);
      } catch (error) {
        const e = apiError(error, "BigQuery upload");
        if (!e.retryable || attempt >= this.retries || this.signal.aborted) throw e;
        await sleep(Math.min(8000, 250 * 2 ** attempt), this.signal);
        offset = Math.max(0, (await this.storedSoFar(session)) - this.sent);
      }
    }
  }

  /** Asks the session how many bytes it holds. */
  private async storedSoFar(session: string): Promise<number> {
    const res = await fetch(session, {
      method: "PUT",
      headers: { ...(await this.conn.headers(session)), "content-range": "bytes */*" },
      signal: this.signal,
    });
    await res.body?.cancel();
    return res.status === 308 ? storedBytes(res.headers.get("range")) : this.sent;
  }

  private async retrying(what: string, call: () => Promise<Response>): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await call();
        if (res.ok) return res;
        throw await httpError(res);
      } catch (error) {
        const e = apiError(error, what);
        if (!e.retryable || attempt >= this.retries || this.signal.aborted) throw e;
        await sleep(Math.min(8000, 250 * 2 ** attempt), this.signal);
      }
    }
  }
}

function storedBytes(range: string | null): number {
  const m = /bytes=0-(\d+)/.exec(range ?? "");
  return m ? Number(m[1]) + 1 : 0;
}

/** A non-2xx reply as an ApiError-shaped object (code, errors, message). */
async function httpError(res: Response): Promise<Error> {
  const text = await res.text().catch(() => "");
  let body: { error?: { message?: string; errors?: { reason?: string; message?: string }[] } } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), {
    code: res.status,
    errors: body.error?.errors ?? [],
  });
}
