import {
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  type CheckedSink,
  type CommitContext,
  type CommitReport,
  ConfigError,
  type JsonObject,
  type Logger,
  type OpenOptions,
  parseOptions,
  SinkError,
  type SinkWriter,
  SluiceError,
  type StreamDescriptor,
} from "@sluice/core";
import { createEncoder, extensionFor, type FormatOptions, type RecordEncoder } from "@sluice/formats";
import { resolveClient, toS3Error } from "@sluice/s3-common";
import pLimit from "p-limit";
import { numberedKeyPattern, renderKey, usesPlaceholder } from "./key-template.js";
import { type ObjectSummary, ObjectUpload } from "./object-upload.js";
import { type ResolvedS3SinkOptions, type S3SinkOptions, s3SinkOptionsSchema } from "./options.js";

interface ManifestEntry {
  keys: string[];
  records: number;
  bytes: number;
  sha256: string[];
  format: string;
  gzip: boolean;
  contentType: string;
  objects: ObjectSummary[];
  committedAt: string;
}

interface RunManifest {
  key: string;
  runStartedAt: Date;
  streams: Record<string, ManifestEntry>;
  /** Serialises manifest writes of one run. */
  chain: Promise<void>;
}

/**
 * S3 sink: one (or, when rolling, several) object per stream, streamed as multipart uploads
 * from memory and made visible only at `commit()`.
 */
export function s3Sink(options: S3SinkOptions): CheckedSink {
  const opts = parseOptions(s3SinkOptionsSchema, options, "s3Sink options");
  const { client, owned } = resolveClient(opts);
  const manifests = new Map<string, RunManifest>();

  const sink: CheckedSink = {
    name: "s3",
    capabilities: { writeModes: ["replace", "append"] },
    async check(signal) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: opts.bucket }), { abortSignal: signal });
      } catch (e) {
        throw toS3Error(e, `HeadBucket ${opts.bucket}`, opts.bucket);
      }
    },
    async open(stream, openOptions) {
      const writer = new S3SinkWriter(opts, client, stream, openOptions, (report) =>
        recordManifest(stream.name, openOptions, report),
      );
      await writer.init();
      return writer;
    },
    async close() {
      if (owned) client.destroy();
    },
  };
  return sink;

  async function recordManifest(
    stream: string,
    open: OpenOptions,
    entry: ManifestEntry,
  ): Promise<string | undefined> {
    if (!opts.manifest) return undefined;
    let run = manifests.get(open.runId);
    if (!run) {
      const key = renderKey(opts.manifest.key, {
        prefix: opts.prefix,
        stream: "",
        ext: "json",
        runId: open.runId,
        runStartedAt: open.runStartedAt,
        n: 0,
      });
      run = { key, runStartedAt: open.runStartedAt, streams: {}, chain: Promise.resolve() };
      manifests.set(open.runId, run);
    }
    const current = run;
    current.streams[stream] = entry;
    // Rewritten after every stream commit, always after that stream's objects are complete, so
    // the manifest (written last) lists exactly the objects that are visible.
    const write = current.chain.then(async () => {
      const body = JSON.stringify(
        {
          runId: open.runId,
          runStartedAt: current.runStartedAt.toISOString(),
          bucket: opts.bucket,
          updatedAt: new Date().toISOString(),
          streams: current.streams,
        },
        null,
        2,
      );
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: opts.bucket,
            Key: current.key,
            Body: body,
            ContentType: "application/json",
          }),
        );
      } catch (e) {
        throw toS3Error(e, `PutObject manifest s3://${opts.bucket}/${current.key}`, opts.bucket);
      }
    });
    current.chain = write.catch(() => undefined);
    await write;
    return current.key;
  }
}

class S3SinkWriter implements SinkWriter {
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  private readonly template: string;
  private readonly ext: string;
  private readonly format: FormatOptions;
  private readonly objects: ObjectUpload[] = [];
  private current: ObjectUpload | undefined;
  private encoder: RecordEncoder | undefined;
  private nextN = 0;
  private readonly unknownKeys: Record<string, number> = {};
  private state: "open" | "committing" | "committed" | "aborted" | "failed" = "open";
  private readonly onAbort = () => this.controller.abort(this.open.signal.reason);

  constructor(
    private readonly opts: ResolvedS3SinkOptions,
    private readonly client: S3Client,
    private readonly stream: StreamDescriptor,
    private readonly open: OpenOptions,
    private readonly onCommitted: (entry: ManifestEntry) => Promise<string | undefined>,
  ) {
    this.logger = open.logger.child({ sink: "s3", bucket: opts.bucket });
    this.template = opts.keys?.[stream.name] ?? opts.keyTemplate;
    this.format = opts.format as FormatOptions;
    this.ext = extensionFor(this.format);
  }

  async init(): Promise<void> {
    const { mode } = this.open;
    const field =
      this.opts.keys?.[this.stream.name] !== undefined ? `keys.${this.stream.name}` : "keyTemplate";
    if (mode === "upsert") {
      throw new ConfigError("s3Sink open", [
        {
          field: "mode",
          message:
            'upsert is not supported by the S3 sink (objects cannot be merged by primary key); use "replace" or "append"',
        },
      ]);
    }
    if (mode === "append") {
      if (!usesPlaceholder(this.template, "runId") && !usesPlaceholder(this.template, "n")) {
        throw new ConfigError("s3Sink open", [
          {
            field,
            message: `append mode writes a new object per run: "${this.template}" must contain {runId} or {n} so keys are unique`,
          },
        ]);
      }
      if (!usesPlaceholder(this.template, "runId")) this.nextN = await this.nextFreeNumber();
    }
    if (this.open.signal.aborted) this.onAbort();
    else this.open.signal.addEventListener("abort", this.onAbort, { once: true });
    this.startObject();
  }

  async write(records: JsonObject[]): Promise<void> {
    this.assertOpen();
    try {
      let rest = records;
      while (rest.length > 0) {
        const max = this.opts.maxRecordsPerObject;
        const room = max === undefined ? rest.length : max - this.current!.records;
        const slice = room >= rest.length ? rest : rest.slice(0, room);
        rest = room >= rest.length ? [] : rest.slice(room);
        const chunks = await this.encoder!.encode(slice);
        this.current!.records += slice.length;
        await this.current!.append(chunks);
        const full =
          (max !== undefined && this.current!.records >= max) ||
          (this.opts.maxObjectBytes !== undefined && this.current!.bytes >= this.opts.maxObjectBytes);
        if (full) await this.roll();
      }
    } catch (e) {
      this.state = "failed";
      throw this.wrap(e, "write");
    }
  }

  async commit(_ctx: CommitContext): Promise<CommitReport> {
    this.assertOpen();
    this.state = "committing";
    try {
      await this.finishCurrent(false);
      const summaries: ObjectSummary[] = [];
      for (const object of this.objects) summaries.push(await object.complete());
      this.state = "committed";
      const removed = this.open.mode === "replace" ? await this.removeStaleParts(summaries) : [];
      this.open.signal.removeEventListener("abort", this.onAbort);

      const records = summaries.reduce((n, s) => n + s.records, 0);
      const bytes = summaries.reduce((n, s) => n + s.bytes, 0);
      const uris = summaries.map((s) => `s3://${this.opts.bucket}/${s.key}`);
      const entry: ManifestEntry = {
        keys: summaries.map((s) => s.key),
        records,
        bytes,
        sha256: summaries.map((s) => s.sha256),
        format: this.format.format,
        gzip: this.format.gzip === true && this.format.format !== "parquet",
        contentType: this.encoder?.contentType ?? "",
        objects: summaries,
        committedAt: new Date().toISOString(),
      };
      const manifestKey = await this.onCommitted(entry);
      const warnings: string[] = [];
      const unknown = Object.keys(this.unknownKeys);
      if (unknown.length > 0) {
        warnings.push(
          `records had keys that are not CSV columns and were not written: ${unknown
            .map((k) => `${k} (${this.unknownKeys[k]})`)
            .join(", ")}`,
        );
      }
      for (const w of warnings) this.logger.warn({ stream: this.stream.name }, w);
      const details: JsonObject = {
        bucket: this.opts.bucket,
        keys: entry.keys,
        uris,
        sha256: summaries.length === 1 ? summaries[0]!.sha256 : entry.sha256,
        objects: summaries.map((s) => ({
          key: s.key,
          records: s.records,
          bytes: s.bytes,
          sha256: s.sha256,
          parts: s.parts,
        })),
        format: entry.format,
        gzip: entry.gzip,
        contentType: entry.contentType,
      };
      if (removed.length > 0) details.removedStaleKeys = removed;
      if (manifestKey) details.manifest = `s3://${this.opts.bucket}/${manifestKey}`;
      if (warnings.length > 0) {
        details.warnings = warnings;
        details.unknownKeys = { ...this.unknownKeys };
      }
      return { records, bytes, location: uris.join(", "), checkpointPersisted: false, details };
    } catch (e) {
      this.state = "failed";
      // objects completed before the failure stay (S3 has no multi-object transaction);
      // the others are discarded
      await this.discardAll();
      throw this.wrap(e, "commit");
    }
  }

  async abort(reason: unknown): Promise<void> {
    if (this.state === "committed" || this.state === "aborted") return;
    this.state = "aborted";
    this.open.signal.removeEventListener("abort", this.onAbort);
    this.controller.abort(reason);
    await this.discardAll();
    this.logger.info({ stream: this.stream.name, keys: this.objects.map((o) => o.key) }, "s3 writer aborted");
  }

  private async discardAll(): Promise<void> {
    await Promise.allSettled(this.objects.map((o) => o.abort()));
  }

  private assertOpen(): void {
    if (this.state !== "open")
      throw new SinkError(`S3 writer for stream ${this.stream.name} is ${this.state}`);
    if (this.controller.signal.aborted)
      throw new SinkError(`S3 writer for stream ${this.stream.name} was cancelled`);
  }

  private wrap(e: unknown, what: string): SluiceError {
    if (e instanceof SluiceError) return e;
    return new SinkError(`S3 ${what} for stream ${this.stream.name} failed: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  }

  private keyFor(n: number): string {
    return renderKey(this.template, {
      prefix: this.opts.prefix,
      stream: this.stream.name,
      ext: this.ext,
      runId: this.open.runId,
      runStartedAt: this.open.runStartedAt,
      n,
    });
  }

  private startObject(): void {
    this.encoder = createEncoder(this.format);
    const upload = new ObjectUpload({
      client: this.client,
      bucket: this.opts.bucket,
      key: this.keyFor(this.nextN++),
      partSize: this.opts.partSize,
      queueSize: this.opts.queueSize,
      contentType: this.encoder.contentType,
      contentEncoding: this.encoder.contentEncoding,
      signal: this.controller.signal,
      logger: this.logger,
    });
    if (this.objects.some((o) => o.key === upload.key)) {
      throw new ConfigError("s3Sink options", [
        {
          field: "keyTemplate",
          message: `two objects of stream ${this.stream.name} map to the key ${upload.key}`,
        },
      ]);
    }
    this.objects.push(upload);
    this.current = upload;
  }

  private async finishCurrent(uploadRemainder: boolean): Promise<void> {
    const encoder = this.encoder!;
    const tail = await encoder.finish();
    await this.current!.append(tail);
    for (const [k, n] of Object.entries(encoder.stats.unknownKeys ?? {})) {
      this.unknownKeys[k] = (this.unknownKeys[k] ?? 0) + n;
    }
    await this.current!.seal(uploadRemainder);
  }

  private async roll(): Promise<void> {
    await this.finishCurrent(true);
    this.startObject();
  }

  /**
   * Replace mode with a numbered template (`part-{n}`): an earlier run may have written more
   * parts than this one. Those are deleted after this run's objects are complete, so the keys
   * of the template hold exactly this run's data.
   */
  private async removeStaleParts(written: ObjectSummary[]): Promise<string[]> {
    if (!usesPlaceholder(this.template, "n") || usesPlaceholder(this.template, "runId")) return [];
    const keep = new Set(written.map((s) => s.key));
    const stale = (await this.listNumbered()).filter((o) => !keep.has(o.key)).map((o) => o.key);
    const limit = pLimit(8);
    await Promise.all(
      stale.map((key) =>
        limit(async () => {
          try {
            await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
          } catch (e) {
            throw toS3Error(e, `DeleteObject s3://${this.opts.bucket}/${key}`, this.opts.bucket);
          }
        }),
      ),
    );
    if (stale.length > 0)
      this.logger.info({ stream: this.stream.name, removed: stale }, "removed stale parts");
    return stale;
  }

  /** Append mode without {runId}: continue after the highest {n} already in the bucket. */
  private async nextFreeNumber(): Promise<number> {
    let max = -1;
    for (const o of await this.listNumbered()) if (o.n > max) max = o.n;
    return max + 1;
  }

  /** Existing objects whose keys match this stream's numbered template. */
  private async listNumbered(): Promise<Array<{ key: string; n: number }>> {
    const pattern = numberedKeyPattern(this.template, {
      prefix: this.opts.prefix,
      stream: this.stream.name,
      ext: this.ext,
      runId: this.open.runId,
      runStartedAt: this.open.runStartedAt,
    });
    const found: Array<{ key: string; n: number }> = [];
    try {
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.opts.bucket, Prefix: pattern.listPrefix },
      )) {
        for (const object of page.Contents ?? []) {
          const n = object.Key === undefined ? undefined : pattern.parse(object.Key);
          if (n !== undefined) found.push({ key: object.Key!, n });
        }
      }
    } catch (e) {
      throw toS3Error(e, `ListObjectsV2 s3://${this.opts.bucket}/${pattern.listPrefix}`, this.opts.bucket);
    }
    return found;
  }
}
