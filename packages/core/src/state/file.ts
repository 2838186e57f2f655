import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DataError } from "../errors.js";
import type { Checkpoint, StateStore } from "../types.js";

/**
 * Keeps all checkpoints in one JSON file. Saves are atomic (write to a temp file, then
 * rename) and serialised, so a crash never leaves a torn state file.
 */
export class FileStateStore implements StateStore {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly path: string) {}

  private async readAll(): Promise<Record<string, Checkpoint>> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      return parsed as Record<string, Checkpoint>;
    } catch (e) {
      throw new DataError(
        `State file is not a JSON object: ${(e as Error).message}`,
        { key: this.path },
        { cause: e },
      );
    }
  }

  async load(key: string): Promise<Checkpoint | undefined> {
    await this.queue;
    return (await this.readAll())[key];
  }

  save(key: string, checkpoint: Checkpoint): Promise<void> {
    const next = this.queue.then(async () => {
      const all = await this.readAll();
      all[key] = checkpoint;
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
      await rename(tmp, this.path);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export function fileStateStore(path: string): FileStateStore {
  return new FileStateStore(path);
}
