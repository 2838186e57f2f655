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
  const queues = new Map<string, Queue>(
    options.streams.map((s) => [s, { log: [], ackedSeq: 0, highestDelivered: 0 }]),
  );
  const prefetch = options.prefetch ?? 1000;
  const batchSize = options.batchSize ?? 50;
  const deadLettered: DeadLetter[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let changed = new Promise<void>((r) => {
    wake = r;
  });
  const notify = () => {
    wake?.();
    changed = new Promise<void>((r) => {
      wake = r;
    });
  };
  const queue = (stream: string): Queue => {
    const q = queues.get(stream);
    if (!q) throw new Error(`unknown stream ${stream}`);
    return q;
  };
  const waitChange = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason ?? new CancelledError());
      const onAbort = () => reject(signal.reason ?? new CancelledError());
      signal.addEventListener("abort", onAbort, { once: true });
      void changed.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });

  return {
    deadLettered,
    publish(stream, records) {
      const q = queue(stream);
      for (const record of records) q.log.push({ record });
      notify();
    },
    publishPoison(stream, raw) {
      queue(stream).log.push({ poison: raw });
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    published: (stream) => queue(stream).log.length,
    acked: (stream) => queue(stream).ackedSeq,
    consumer(faults = {}) {
      let acks = 0;
      const counts = { delivered: 0, redelivered: 0 };
      async function* read(stream: string, opts: ReadOptions): AsyncGenerator<SourceMessage> {
        const q = queue(stream);
        let next = q.ackedSeq; // index of the next message to deliver
        for (;;) {
          if (next >= q.log.length && ended) return;
          if (next >= q.log.length || next - q.ackedSeq >= prefetch) {
            await waitChange(opts.signal);
            continue;
          }
          const before = next;
          const end = Math.min(q.log.length, next + batchSize, q.ackedSeq + prefetch);
          const first = q.log[next]!;
          if (first.poison !== undefined) {
            next++;
            yield {
              kind: "dead-letter",
              letter: {
                code: "invalid_json",
                reason: "message body is not JSON",
                payload: first.poison,
                metadata: { messageId: next },
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
          acks++;
          if (faults.crashBeforeAck?.(acks)) throw new Error(`injected crash before ack #${acks}`);
          const q = queue(stream);
          q.ackedSeq = Math.max(q.ackedSeq, Number(checkpoint.seq));
          notify();
        },
        async deadLetter(letter: DeadLetter) {
          deadLettered.push(letter);
        },
      };
    },
  };
}
