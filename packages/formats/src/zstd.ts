import { compress, decompress, init } from "@bokuweb/zstd-wasm";

let ready: Promise<void> | undefined;

/** zstd via WebAssembly (node:zlib has no zstd before Node 22.15; this package targets Node 20). */
async function load(): Promise<void> {
  ready ??= init();
  await ready;
}

export async function zstdCompressor(level = 3): Promise<(input: Uint8Array) => Uint8Array> {
  await load();
  return (input) => compress(input, level);
}

export async function zstdDecompressor(): Promise<(input: Uint8Array, outputLength: number) => Uint8Array> {
  await load();
  return (input) => decompress(input);
}
