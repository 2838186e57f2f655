import type { Checkpoint, StateStore } from "../types.js";

/** Keeps checkpoints in memory (tests, one-shot runs). `snapshot()` shows what was saved. */
export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, Checkpoint>();
  constructor(initial: Record<string, Checkpoint> = {}) {
    for (const [k, v] of Object.entries(initial)) this.data.set(k, structuredClone(v));
  }
  async load(key: string): Promise<Checkpoint | undefined> {
    const v = this.data.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }
  async save(key: string, checkpoint: Checkpoint): Promise<void> {
    this.data.set(key, structuredClone(checkpoint));
  }
  snapshot(): Record<string, Checkpoint> {
    return Object.fromEntries([...this.data].map(([k, v]) => [k, structuredClone(v)]));
  }
}

export function memoryStateStore(initial?: Record<string, Checkpoint>): MemoryStateStore {
  return new MemoryStateStore(initial);
}
