/**
 * The STOMP source: one subscription per source, records yielded one message at a time, each
 * followed by a checkpoint `{ seq }`. Nothing is acked until the runner calls `committed()`
 * (cumulative: every message with seq ≤ the checkpoint's is durable), then each is ACKed
 * individually on the connection that received it. After a reconnect the broker redelivers what
 * was not acked; the sink's upsert by key makes that harmless.
 */
import {
  type Checkpoint,
  ConfigError,
  type DeadLetter,
  type DiscoverableSource,
  parseOptions,
  type ReadOptions,
  type SourceMessage,
  type StreamDescriptor,
  TransientError,
} from "@sluice/core";
import type { IMessage } from "@stomp/stompjs";
import { type ConnectionDeps, StompConnection } from "./connection.js";
import { deadLetterFrame } from "./dead-letter.js";
import { decodeMessage } from "./decode.js";
import { Inbox } from "./inbox.js";
import {
  type ResolvedStompSourceOptions,
  type StompSourceOptions,
  stompSourceOptionsSchema,
} from "./options.js";

interface Delivered {
  message: IMessage;
  epoch: number;
}

interface Unacked {
  seq: number;
  epoch: number;
  ackId: string;
  messageId: string;
}

export interface StompSource extends DiscoverableSource {
  readonly options: ResolvedStompSourceOptions;
  /** Resolves once the broker confirmed the subscription of a running read (RECEIPT). */
  subscribed(): Promise<void>;
  committed(stream: string, checkpoint: Checkpoint): Promise<void>;
  deadLetter(letter: DeadLetter): Promise<void>;
  close(): Promise<void>;
}

export interface StompSourceDeps extends ConnectionDeps {
  now?: () => Date;
}

export function stompSource(input: StompSourceOptions, deps: StompSourceDeps = {}): StompSource {
  const o = parseOptions(stompSourceOptionsSchema, input, "stompSource options");
  const now = deps.now ?? (() => new Date());
  const inbox = new Inbox<Delivered>();
  let unacked: Unacked[] = [];
  let seq = 0;
  let connection: StompConnection | undefined;
  let markSubscribed: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => {
    markSubscribed = resolve;
  });

  const descriptor: StreamDescriptor = { name: o.stream, primaryKey: o.primaryKey };
  const ensureStream = (stream: string) => {
    if (stream !== o.stream) {
      throw new ConfigError("stompSource", [
        { field: "stream", message: `unknown stream (this source reads ${o.stream})` },
      ]);
    }
  };

  async function* read(stream: string, options: ReadOptions): AsyncIterable<SourceMessage> {
    ensureStream(stream);
    if (connection)
      throw new ConfigError("stompSource", [{ field: "stream", message: "is already being read" }]);
    connection = new StompConnection(
      o,
      {
        onMessage: (message, epoch) => inbox.push({ message, epoch }),
        onDisconnected: (epoch) => {
          // not acked on that connection: the broker will redeliver these
          inbox.retain((d) => d.epoch !== epoch);
          unacked = unacked.filter((u) => u.epoch !== epoch);
        },
        onFatal: (error) => inbox.fail(error),
        onSubscribed: () => markSubscribed(),
      },
      options.logger,
      deps,
    );
    connection.start();
    while (!options.signal.aborted) {
      for (const { message, epoch } of await inbox.take(options.signal)) {
        if (epoch !== connection.currentEpoch) continue; // arrived on a connection since closed
        if (message.headers.redelivered === "true") options.reporter.redelivered?.(1);
        seq++;
        const messageId = message.headers["message-id"] ?? "";
        unacked.push({ seq, epoch, messageId, ackId: message.headers.ack ?? messageId });
        const decoded = decodeMessage({ body: message.body, headers: message.headers }, now());
        if ("record" in decoded)
          yield { kind: "records", records: [decoded.record], bytes: message.body.length };
        else yield { kind: "dead-letter", letter: decoded.letter };
        yield { kind: "checkpoint", checkpoint: { seq } };
      }
    }
  }

  return {
    name: "stomp",
    options: o,
    continuous: { maxUnacked: o.prefetch },
    subscribed: () => subscribed,
    async check() {
      // reachability and credentials are checked by the first CONNECT of read()
    },
    async discover() {
      return [descriptor];
    },
    read,
    async committed(stream: string, checkpoint: Checkpoint) {
      ensureStream(stream);
      const upTo = Number(checkpoint.seq);
      const current = connection?.currentEpoch;
      const due = unacked.filter((u) => u.seq <= upTo);
      unacked = unacked.filter((u) => u.seq > upTo);
      connection?.ack(due.filter((u) => u.epoch === current).map((u) => u.ackId));
    },
    async deadLetter(letter: DeadLetter) {
      if (!connection) throw new TransientError("STOMP source is not connected");
      const frame = deadLetterFrame(letter);
      const id = frame.headers["x-sluice-original-message-id"];
      const entry = id === undefined ? undefined : unacked.find((u) => u.messageId === id);
      if (id === undefined) {
        // not one of this source's deliveries: a plain receipted SEND
        await connection.send(o.deadLetterDestination, frame.body, frame.headers, o.receiptTimeoutMs);
        return;
      }
      // its connection is gone: the broker redelivers it, and it is dead-lettered then
      if (!entry || entry.epoch !== connection.currentEpoch) return;
      await connection.sendAndAck(
        o.deadLetterDestination,
        frame.body,
        frame.headers,
        entry.ackId,
        o.receiptTimeoutMs,
      );
      unacked = unacked.filter((u) => u !== entry);
    },
    async close() {
      const c = connection;
      connection = undefined;
      await c?.stop();
    },
  };
}
