import { createHash, type Hash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type Logger, SinkError } from "@sluice/core";
import { toS3Error } from "@sluice/s3-common";
import pLimit, { type LimitFunction } from "p-limit";

/** S3 allows at most 10,000 parts per multipart upload. */
export const MAX_PARTS = 10_000;

export interface ObjectUploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
  contentType: string;
  contentEncoding?: string | undefined;
  /** Aborts in-flight requests (the writer's internal signal). */
  signal: AbortSignal;
  logger: Logger;
}

export interface ObjectSummary {
  key: string;
  records: number;
  bytes: number;
  sha256: string;
  parts: number;
  etag?: string | undefined;
}

/**
 * One S3 object streamed from memory. Bytes accumulate into a part buffer; each full part is
 * sent with UploadPart (at most `queueSize` in flight, p-limit), so memory stays within about
 * (queueSize + 1) x partSize whatever the object size. Nothing is visible at the key until
 * `complete()` (CompleteMultipartUpload, or one PutObject for an object smaller than a part);
 * `abort()` discards the upload.
 */
export class ObjectUpload {
  readonly key: string;
  records = 0;
  bytes = 0;
  private readonly hash: Hash = createHash("sha256");
  private digest: string | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private partCount = 0;
  private readonly parts: CompletedPart[] = [];
  private uploadId: Promise<string> | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly limit: LimitFunction;
  private failure: unknown;
  private state: "open" | "sealed" | "completed" | "aborted" = "open";
  private etag: string | undefined;

  constructor(private readonly o: ObjectUploadOptions) {
    this.key = o.key;
    this.limit = pLimit(o.queueSize);
  }

  get uri(): string {
    return `s3://${this.o.bucket}/${this.key}`;
  }

  /** Adds encoded bytes; resolves when the part queue has room again (back-pressure). */
  async append(chunks: Uint8Array[]): Promise<void> {
    this.assertOpen();
    for (const chunk of chunks) {
      if (chunk.byteLength === 0) continue;
      this.hash.update(chunk);
      this.bytes += chunk.byteLength;
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    while (this.buffered >= this.o.partSize) await this.sendPart(this.take(this.o.partSize));
    this.throwIfFailed();
  }

  /**
   * No more bytes. With `uploadRemainder` the tail goes out as the last part now (used when
   * rolling to the next object, so finished objects don't hold memory until commit); otherwise
   * an object smaller than one part stays in memory for a single PutObject at commit.
   */
  async seal(uploadRemainder: boolean): Promise<void> {
    this.assertOpen();
    this.state = "sealed";
    this.digest = this.hash.digest("hex");
    if (this.buffered > 0 && (uploadRemainder || this.uploadId !== undefined)) {
      await this.sendPart(this.take(this.buffered));
    }
    await this.drain();
  }

  /** Makes the object visible at its key. */
  async complete(): Promise<ObjectSummary> {
    if (this.state === "open") await this.seal(false);
    if (this.state !== "sealed") throw new SinkError(`Cannot complete ${this.uri}: upload is ${this.state}`);
    await this.drain();
    const { client, bucket, key, signal } = this.o;
    if (this.uploadId === undefined) {
      const body = this.take(this.buffered);
      try {
        const r = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: this.o.contentType,
            ContentEncoding: this.o.contentEncoding,
          }),
          { abortSignal: signal },
        );
        this.etag = r.ETag;
      } catch (e) {
        throw toS3Error(e, `PutObject ${this.uri}`, bucket);
      }
    } else {
      const uploadId = await this.uploadId;
      try {
        const r = await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: this.parts.slice() },
          }),
          { abortSignal: signal },
        );
        this.etag = r.ETag;
      } catch (e) {
        throw toS3Error(e, `CompleteMultipartUpload ${this.uri}`, bucket);
      }
    }
    this.state = "completed";
    return this.summary();
  }

  summary(): ObjectSummary {
    return {
      key: this.key,
      records: this.records,
      bytes: this.bytes,
      sha256: this.digest ?? this.hash.copy().digest("hex"),
      parts: Math.max(this.partCount, 1),
      etag: this.etag,
    };
  }

  /** Discards the upload: in-flight parts are cancelled, the multipart upload aborted. Idempotent. */
  async abort(): Promise<void> {
    if (this.state === "completed" || this.state === "aborted") return;
    this.state = "aborted";
    this.chunks = [];
    this.buffered = 0;
    await Promise.allSettled([...this.inflight]);
    if (this.uploadId === undefined) return;
    let uploadId: string;
    try {
      uploadId = await this.uploadId;
    } catch {
      return; // CreateMultipartUpload failed: nothing to abort
    }
    try {
      // deliberately not bound to the (aborted) writer signal
      await this.o.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.key, UploadId: uploadId }),
      );
    } catch (e) {
      const err = toS3Error(e, `AbortMultipartUpload ${this.uri}`, this.o.bucket);
      this.o.logger.warn(
        { err, key: this.key },
        "could not abort the multipart upload; a bucket lifecycle rule (AbortIncompleteMultipartUpload) will clean it",
      );
    }
  }

  private assertOpen(): void {
    if (this.state !== "open") throw new SinkError(`Upload of ${this.uri} is ${this.state}`);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    this.throwIfFailed();
  }

  /** Removes exactly `size` bytes from the front of the buffer (one copy of those bytes). */
  private take(size: number): Buffer {
    const head: Uint8Array[] = [];
    let taken = 0;
    while (taken < size) {
      const chunk = this.chunks.shift();
      if (chunk === undefined) break;
      const need = size - taken;
      if (chunk.byteLength <= need) {
        head.push(chunk);
        taken += chunk.byteLength;
      } else {
        head.push(chunk.subarray(0, need));
        this.chunks.unshift(chunk.subarray(need));
        taken += need;
      }
    }
    this.buffered -= taken;
    return Buffer.concat(head, taken);
  }

  private ensureUpload(): Promise<string> {
    this.uploadId ??= (async () => {
      try {
        // not bound to the signal: if it succeeds we must learn the id to abort it
        const r = await this.o.client.send(
          new CreateMultipartUploadCommand({
            Bucket: this.o.bucket,
            Key: this.key,
            ContentType: this.o.contentType,
            ContentEncoding: this.o.contentEncoding,
          }),
        );
        if (!r.UploadId) throw new SinkError(`CreateMultipartUpload ${this.uri} returned no UploadId`);
        return r.UploadId;
      } catch (e) {
        throw toS3Error(e, `CreateMultipartUpload ${this.uri}`, this.o.bucket);
      }
    })();
    return this.uploadId;
  }

  private async sendPart(body: Buffer): Promise<void> {
    this.throwIfFailed();
    const partNumber = ++this.partCount;
    if (partNumber > MAX_PARTS) {
      throw new SinkError(
        `${this.uri} would need more than ${MAX_PARTS} parts: raise partSize or set maxObjectBytes to roll objects`,
      );
    }
    const uploadId = this.ensureUpload();
    const task = this.limit(async () => {
      const id = await uploadId;
      if (this.o.signal.aborted) throw new SinkError(`Upload of ${this.uri} aborted`);
      try {
        const r = await this.o.client.send(
          new UploadPartCommand({
            Bucket: this.o.bucket,
            Key: this.key,
            UploadId: id,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.byteLength,
          }),
          { abortSignal: this.o.signal },
        );
        this.parts[partNumber - 1] = { PartNumber: partNumber, ETag: r.ETag };
      } catch (e) {
        throw toS3Error(e, `UploadPart ${partNumber} of ${this.uri}`, this.o.bucket);
      }
    }).catch((e: unknown) => {
      this.failure ??= e;
    });
    const tracked = task.then(() => {
      this.inflight.delete(tracked);
    });
    this.inflight.add(tracked);
    while (this.inflight.size >= this.o.queueSize) await Promise.race(this.inflight);
    this.throwIfFailed();
  }
}
