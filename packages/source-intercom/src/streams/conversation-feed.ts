import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StreamContext } from "../context.js";
import type { ConversationDetail } from "./conversations.js";

/** What a fetch of conversation details produced: batches of details and the list's total. */
export interface FeedBatch {
  details: ConversationDetail[];
  totalCount: number | undefined;
}

type Fetch = (ctx: StreamContext) => AsyncGenerator<FeedBatch>;

/**
 * Fetches each conversation ONCE per run for both `conversations` and `conversation_parts`.
 *
 * The first reader starts the fetch (list/search + one GET per conversation); every batch is
 * appended to a spool file on local disk, and every reader (the first one included) replays
 * the spool from its start, following it while the fetch runs. So the two streams may be read
 * at the same time or one after the other (the runner's concurrency decides), memory stays flat
 * (only byte offsets are kept), and a stream retried after a sink failure replays instead of
 * refetching. Readers of a different watermark get their own fetch. A failed fetch is dropped,
 * so a retry fetches again. `close()` deletes the spool files.
 */
export class ConversationFeed {
  private readonly fetches = new Map<string, Spool>();
  private readonly spools: Spool[] = [];
  private dir: Promise<string> | undefined;

  async *read(ctx: StreamContext, key: string, fetch: Fetch): AsyncGenerator<FeedBatch> {
    let spool = this.fetches.get(key);
    if (!spool || spool.failed) {
      // registered synchronously, so a reader arriving a moment later joins this fetch
      this.dir ??= mkdtemp(join(tmpdir(), "sluice-intercom-"));
      const name = `${this.spools.length}.jsonl`;
      spool = new Spool(this.dir.then((dir) => join(dir, name)));
      this.fetches.set(key, spool);
      this.spools.push(spool);
      spool.run(fetch(ctx));
    }
    yield* spool.replay();
  }

  async close(): Promise<void> {
    this.fetches.clear();
    await Promise.allSettled(this.spools.splice(0).map((s) => s.close()));
    const dir = await this.dir?.catch(() => undefined);
    this.dir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

class Spool {
  /** End offset of each batch line. */
  private readonly ends: number[] = [];
  private done = false;
  private error: unknown;
  failed = false;
  private wake: (() => void)[] = [];
  private readonly file: Promise<FileHandle>;

  constructor(path: Promise<string>) {
    this.file = path.then((p) => open(p, "w+"));
    this.file.catch(() => undefined);
  }

  run(batches: AsyncGenerator<FeedBatch>): void {
    const pump = async () => {
      const fh = await this.file;
      let offset = 0;
      for await (const batch of batches) {
        const line = Buffer.from(`${JSON.stringify(batch)}\n`, "utf8");
        await fh.write(line, 0, line.length, offset);
        offset += line.length;
        this.ends.push(offset);
        this.notify();
      }
    };
    pump().then(
      () => {
        this.done = true;
        this.notify();
      },
      (error: unknown) => {
        this.error = error;
        this.failed = true;
        this.notify();
      },
    );
  }

  async *replay(): AsyncGenerator<FeedBatch> {
    const fh = await this.file;
    for (let i = 0; ; i++) {
      while (i >= this.ends.length && !this.done && !this.failed) {
        await new Promise<void>((resolve) => this.wake.push(resolve));
      }
      if (i >= this.ends.length) {
        if (this.failed) throw this.error;
        return;
      }
      const start = i === 0 ? 0 : (this.ends[i - 1] as number);
      const length = (this.ends[i] as number) - start;
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, start);
      yield JSON.parse(buf.toString("utf8")) as FeedBatch;
    }
  }

  async close(): Promise<void> {
    const fh = await this.file.catch(() => undefined);
    await fh?.close();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = [];
    for (const resolve of w) resolve();
  }
}
