import type { Checkpoint, CommitReport, SinkWriter, Source, StateStore } from "../types.js";

export interface CommitTarget {
  stream: string;
  stateKey: string;
  /** The last checkpoint the commit covers; undefined when the data carried none. */
  checkpoint: Checkpoint | undefined;
}

export interface AckDeps {
  source: Source;
  stateStore: StateStore;
  signal: AbortSignal;
}

/**
 * The one commit sequence both modes share: the sink commits (the data, and the checkpoint
 * when the sink persists it atomically), then the state store saves the checkpoint, then the
 * source acknowledges everything up to it. A crash between any two steps only redelivers.
 */
export async function commitAndAck(
  writer: SinkWriter,
  target: CommitTarget,
  deps: AckDeps,
): Promise<CommitReport> {
  const report = await writer.commit({ checkpoint: target.checkpoint, stateKey: target.stateKey });
  await acknowledge(target, deps);
  return report;
}

/** Saves the checkpoint, then lets the source acknowledge up to it (no-op without one). */
export async function acknowledge(target: CommitTarget, deps: AckDeps): Promise<void> {
  if (target.checkpoint === undefined) return;
  await deps.stateStore.save(target.stateKey, target.checkpoint, deps.signal);
  await deps.source.committed?.(target.stream, target.checkpoint);
}
