import { CancelledError } from "../errors.js";
import type { Checkpoint, DeadLetter, JsonObject, ReadOptions, Source, SourceMessage } from "../types.js";

export interface MemoryBrokerOptions {
  name?: string;
  /** Streams (queues) offered. */
  streams: string[];
  primaryKey?: string[];
  /** Delivered-but-unacknowledged messages a consumer may hold (a broker's prefetch). Default 1000. */
  prefetch?: number;
  /** Messages per `records` message (each followed by a checkpoint). Default 50. */
  batchSize?: number;
}

export interface ConsumerFaults {
  /** Crash after the sink commit, before the ack: `committed()` throws on the acks for which this returns true (1-based). */
  crashBeforeAck?: (ack: number) => boolean;
}

/** A connection to the broker: a Source whose acks are cumulative (`committed` up to a seq). */
export interface MemoryBrokerSource extends Source {
  /** Messages delivered by this consumer, and how many of them were redeliveries. */
  readonly delivered: number;
  readonly redelivered: number;
}

export interface MemoryBroker {
  publish(stream: string, records: JsonObject[]): void;
  /** A message that cannot be decoded: the consumer yields it as a dead letter. */
  publishPoison(stream: string, raw: string): void;
  /** No more messages: consumers end once they have delivered everything. */
  end(): void;
  /** A new consumer connection; it delivers from the first unacknowledged message (redelivery). */
  consumer(faults?: ConsumerFaults): MemoryBrokerSource;
  published(stream: string): number;
  /** Messages acknowledged (cumulative). */
  acked(stream: string): number;
  /** Letters received through the source's own dead-letter mechanism. */
  readonly deadLettered: DeadLetter[];
}

const RELEASED: { record?: JsonObject; poison?: string } = {};

interface Queue {
  log: Array<{ record?: JsonObject; poison?: string }>;
  ackedSeq: number;
  highestDelivered: number;
}

/**
 * An in-memory message broker for continuous-delivery tests: unbounded queues, prefetch flow
 * control, cumulative acks through `committed({ seq })`, redelivery of everything unacknowledged
 * to the next consumer, poison messages, and a crash-before-ack fault.
 */
export function memoryBroker(options: MemoryBrokerOptions): MemoryBroker {
  const core = new BrokerCore(options.streams);
  return {
    deadLettered: core.deadLettered,
    publish(stream, records) {
      const q = core.queue(stream);
      for (const record of records) q.log.push({ record });
      core.notify();
    },
    publishPoison(stream, raw) {
      core.queue(stream).log.push({ poison: raw });
      core.notify();
    },
    end() {
      core.ended = true;
      core.notify();
    },
    published: (stream) => core.queue(stream).log.length,
    acked: (stream) => core.queue(stream).ackedSeq,
    consumer: (faults = {}) => createConsumer(core, options, faults),
  };
}

/** Queues, the end flag and a change notification shared by the broker and its consumers. */
class BrokerCore {
  readonly queues: Map<string, Queue>;
  readonly deadLettered: DeadLetter[] = [];
  ended = false;
  private wake: (() => void) | undefined;
  private changed: Promise<void>;

  constructor(streams: string[]) {
    this.queues = new Map(streams.map((s) => [s, { log: [], ackedSeq: 0, highestDelivered: 0 }]));
    this.changed = new Promise<void>((r) => {
      this.wake = r;
    });
  }

  queue(stream: string): Queue {
    const q = this.queues.get(stream);
    if (!q) throw new Error(`unknown stream ${stream}`);
    return q;
  }

  notify(): void {
    this.wake?.();
    this.changed = new Promise<void>((r) => {
      this.wake = r;
    });
  }

  /** Resolves on the next publish, ack or end; rejects when the signal aborts. */
  waitChange(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason ?? new CancelledError());
      const onAbort = () => reject(signal.reason ?? new CancelledError());
      signal.addEventListener("abort", onAbort, { once: true });
      void this.changed.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
}

/** One consumer connection: delivers from the first unacknowledged message, within the prefetch window. */
function createConsumer(
  core: BrokerCore,
  options: MemoryBrokerOptions,
  faults: ConsumerFaults,
): MemoryBrokerSource {
  const prefetch = options.prefetch ?? 1000;
  const batchSize = options.batchSize ?? 50;
  const counts = { delivered: 0, redelivered: 0, acks: 0 };
  async function* read(stream: string, opts: ReadOptions): AsyncGenerator<SourceMessage> {
    const q = core.queue(stream);
    let next = q.ackedSeq; // index of the next message to deliver
    for (;;) {
      if (next >= q.log.length && core.ended) return;
      if (next >= q.log.length || next - q.ackedSeq >= prefetch) {
        await core.waitChange(opts.signal);
        continue;
      }
      const before = next;
      const end = Math.min(q.log.length, next + batchSize, q.ackedSeq + prefetch);
      const first = q.log[next]!;
      if (first.poison !== undefined) {
        next++;
        const metadata = { messageId: next };
        yield {
          kind: "dead-letter",
          letter: {
            code: "invalid_json",
            reason: "message body is not JSON",
            payload: first.poison,
            metadata,
          },
        };
      } else {
        const records: JsonObject[] = [];
        while (next < end && q.log[next]!.poison === undefined) records.push(q.log[next++]!.record!);
        yield { kind: "records", records };
      }
      // messages at or below the highest seq any consumer delivered before are redeliveries
      const again = Math.max(0, Math.min(next, q.highestDelivered) - before);
      counts.delivered += next - before;
      if (again > 0) {
        counts.redelivered += again;
        opts.reporter.redelivered?.(again);
      }
      q.highestDelivered = Math.max(q.highestDelivered, next);
      yield { kind: "checkpoint", checkpoint: { seq: next } };
    }
  }
  return {
    name: options.name ?? "broker",
    continuous: { maxUnacked: prefetch },
    get delivered() {
      return counts.delivered;
    },
    get redelivered() {
      return counts.redelivered;
    },
    async discover() {
      return options.streams.map((name) => ({ name, primaryKey: options.primaryKey ?? ["id"] }));
    },
    read,
    async committed(stream: string, checkpoint: Checkpoint) {
      counts.acks++;
      if (faults.crashBeforeAck?.(counts.acks)) throw new Error(`injected crash before ack #${counts.acks}`);
      const q = core.queue(stream);
      const seq = Math.min(q.log.length, Number(checkpoint.seq));
      // acknowledged messages are never delivered again: release them
      for (let i = q.ackedSeq; i < seq; i++) q.log[i] = RELEASED;
      q.ackedSeq = Math.max(q.ackedSeq, seq);
      core.notify();
    },
    async deadLetter(letter: DeadLetter) {
      core.deadLettered.push(letter);
    },
  };
}
