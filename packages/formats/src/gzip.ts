import { once } from "node:events";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, type Gzip } from "node:zlib";
import { DataError } from "@sluice/core";

/**
 * Streaming gzip stage for encoders. Input is written to a node:zlib Gzip stream; whatever
 * compressed output zlib has produced so far is handed back on each call, so nothing is
 * buffered beyond zlib's own window and the chunks not yet collected.
 */
export class GzipStage {
  readonly #gzip: Gzip;
  #out: Buffer[] = [];
  #error: unknown;

  constructor() {
    this.#gzip = createGzip();
    this.#gzip.on("data", (chunk: Buffer) => this.#out.push(chunk));
    this.#gzip.on("error", (error) => {
      this.#error = error;
    });
  }

  async push(chunks: Uint8Array[]): Promise<Uint8Array[]> {
    for (const chunk of chunks) {
      if (chunk.byteLength === 0) continue;
      if (!this.#gzip.write(chunk)) await once(this.#gzip, "drain");
    }
    return this.#take();
  }

  async end(chunks: Uint8Array[]): Promise<Uint8Array[]> {
    for (const chunk of chunks) if (chunk.byteLength > 0) this.#gzip.write(chunk);
    const ended = once(this.#gzip, "end");
    this.#gzip.end();
    await ended;
    return this.#take();
  }

  #take(): Uint8Array[] {
    if (this.#error !== undefined) throw this.#error;
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/** Decompresses a gzip byte stream (multi-member aware); corrupt input becomes a DataError naming `key`. */
export async function* gunzipStream(
  input: AsyncIterable<Uint8Array>,
  key: string | undefined,
): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip();
  let bytesIn = 0;
  const source = Readable.from(
    (async function* () {
      for await (const chunk of input) {
        bytesIn += chunk.byteLength;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  const done = pipeline(source, gunzip);
  done.catch(() => {}); // surfaced through the iteration below
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
    await done;
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new DataError(
        `Invalid gzip data: ${(error as Error).message}`,
        { key, position: bytesIn },
        { cause: error },
      );
    }
    throw error;
  } finally {
    if (!gunzip.destroyed) gunzip.destroy();
  }
}
