import type { Checkpoint, DeadLetter, JsonObject } from "../types.js";

/** Records (and dead letters) up to one checkpoint; a micro-batch is one or more of these. */
export interface Segment {
  records: JsonObject[];
  letters: DeadLetter[];
  bytes: number;
  /** Records plus dead letters: what the source counts as unacknowledged. */
  messages: number;
  /** When its first message arrived (the micro-batch timer starts there). */
  firstAt: number;
  checkpoint?: Checkpoint | undefined;
}

function emptySegment(): Segment {
  return { records: [], letters: [], bytes: 0, messages: 0, firstAt: 0 };
}

/**
 * What a continuous stream holds between the source and the sink: the open segment (messages
 * since the last checkpoint, not yet cuttable), sealed segments (each ending at a checkpoint)
 * and the count of messages delivered but not yet acknowledged (held here or being committed).
 */
export class MicroBatchBuffer {
  private tail = emptySegment();
  private readonly sealed: Segment[] = [];
  /** Delivered and not yet acknowledged, including a batch being committed. */
  unacked = 0;

  constructor(private readonly limits: { maxRecords: number; maxBytes: number; maxLatencyMs: number }) {}

  addRecord(record: JsonObject, bytes: number, now: number): void {
    this.open(now).records.push(record);
    this.tail.bytes += bytes;
  }

  addLetter(letter: DeadLetter, now: number): void {
    this.open(now).letters.push(letter);
  }

  /** Everything since the previous checkpoint becomes one sealed segment. */
  checkpoint(checkpoint: Checkpoint, now: number): void {
    if (this.tail.messages === 0) this.tail.firstAt = now;
    this.tail.checkpoint = checkpoint;
    this.sealed.push(this.tail);
    this.tail = emptySegment();
  }

  private open(now: number): Segment {
    if (this.tail.messages === 0) this.tail.firstAt = now;
    this.tail.messages++;
    this.unacked++;
    return this.tail;
  }

  /** Something can be committed: a sealed segment, or (once the source has ended) the open one. */
  ready(sourceEnded: boolean): boolean {
    return this.sealed.length > 0 || (sourceEnded && this.tail.messages > 0);
  }

  /** Messages since the last checkpoint are waiting for one. */
  hasOpen(): boolean {
    return this.tail.messages > 0;
  }

  /** Time the oldest sealed segment's batch must be committed by (its first record + maxLatencyMs). */
  deadline(): number | undefined {
    const first = this.sealed[0];
    return first ? first.firstAt + this.limits.maxLatencyMs : undefined;
  }

  /** A batch is due at maxRecords, maxBytes, maxLatencyMs, or when the source's window is full. */
  due(now: number, maxUnacked: number): boolean {
    let records = 0;
    let bytes = 0;
    for (const s of this.sealed) {
      records += s.messages;
      bytes += s.bytes;
    }
    const deadline = this.deadline();
    return (
      records >= this.limits.maxRecords ||
      bytes >= this.limits.maxBytes ||
      this.unacked >= maxUnacked ||
      (deadline !== undefined && now >= deadline)
    );
  }

  /** Takes whole sealed segments (cuts only at checkpoints) up to the limits; at least one. */
  cut(): Segment {
    if (this.sealed.length === 0) {
      const rest = this.tail; // the source ended without a final checkpoint
      this.tail = emptySegment();
      return rest;
    }
    const out = emptySegment();
    out.firstAt = this.sealed[0]!.firstAt;
    const { maxRecords, maxBytes } = this.limits;
    while (this.sealed.length > 0 && (out.messages === 0 || out.bytes < maxBytes)) {
      const s = this.sealed[0]!;
      if (out.messages > 0 && out.messages + s.messages > maxRecords) break;
      this.sealed.shift();
      for (const r of s.records) out.records.push(r);
      for (const l of s.letters) out.letters.push(l);
      out.bytes += s.bytes;
      out.messages += s.messages;
      out.checkpoint = s.checkpoint ?? out.checkpoint;
    }
    return out;
  }

  /** The batch is acknowledged: its messages no longer count against the window. */
  acknowledged(batch: Segment): void {
    this.unacked -= batch.messages;
  }

  /** First-arrival time of the oldest message held (not counting a batch being committed). */
  oldest(): number | undefined {
    return this.sealed[0]?.firstAt ?? (this.tail.messages > 0 ? this.tail.firstAt : undefined);
  }
}
