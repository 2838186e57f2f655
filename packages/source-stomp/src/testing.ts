/**
 * `@sluice/source-stomp/testing`: helpers for tests against a local broker (default
 * 127.0.0.1:61613): unique destination names, a receipted publisher, a draining reader (that
 * returns each message's headers), a cuttable TCP proxy, and a source-iterator puller.
 */
import { randomUUID } from "node:crypto";
import {
  type JsonObject,
  type ReadOptions,
  type SourceMessage,
  type StreamReporter,
  silentLogger,
} from "@sluice/core";
import { Client, type IMessage, type StompHeaders } from "@stomp/stompjs";
import { TCPWrapper } from "@stomp/tcp-wrapper";

export const BROKER_URL = "stomp://127.0.0.1:61613";

export const uniqueName = (prefix: string) => `sluice.test.${prefix}.${randomUUID().slice(0, 8)}`;

const BROKER = { host: "127.0.0.1", port: 61613 };

async function connected(headers: StompHeaders = {}): Promise<Client> {
  const client = new Client({
    webSocketFactory: () => new TCPWrapper(BROKER.host, BROKER.port),
    connectHeaders: { host: "localhost", ...headers },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => {},
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(f.headers.message));
    client.onWebSocketError = () => reject(new Error("socket error"));
    client.activate();
  });
  return client;
}

/** Publishes persistent messages, each confirmed by a RECEIPT. */
export async function publish(destination: string, bodies: string[]): Promise<void> {
  const client = await connected();
  try {
    for (const body of bodies) {
      const receipt = randomUUID();
      const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
      client.publish({
        destination,
        body,
        headers: { persistent: "true", receipt },
        skipContentLengthHeader: true,
      });
      await done;
    }
  } finally {
    await client.deactivate();
  }
}

/** Reads (auto-ack) what sits on a destination, waiting up to `idleMs` after the last message. */
export async function drain(destination: string, idleMs = 1500): Promise<IMessage[]> {
  const client = await connected();
  const got: IMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(resolve, idleMs);
    };
    client.subscribe(destination, (m) => {
      got.push(m);
      arm();
    });
    arm();
  });
  await client.deactivate();
  return got;
}

export interface Reporter extends StreamReporter {
  redeliveries: number;
}

export function testReporter(): Reporter {
  const r: Reporter = {
    redeliveries: 0,
    call() {},
    retry() {},
    rateLimitWait() {},
    warn() {},
    setTotal() {},
    redelivered(n: number) {
      r.redeliveries += n;
    },
  };
  return r;
}

export function readOptions(signal: AbortSignal, reporter: StreamReporter = testReporter()): ReadOptions {
  return { syncMode: "full", signal, logger: silentLogger(), reporter };
}

const pending = new WeakMap<AsyncIterator<SourceMessage>, Promise<IteratorResult<SourceMessage>>>();

/** Pulls from a source iterator until `count` records (and dead letters) arrived; keeps it open. */
export async function pull(
  it: AsyncIterator<SourceMessage>,
  count: number,
  timeoutMs = 10_000,
): Promise<{ records: JsonObject[]; letters: SourceMessage[]; lastCheckpoint: JsonObject | undefined }> {
  const records: JsonObject[] = [];
  const letters: SourceMessage[] = [];
  let lastCheckpoint: JsonObject | undefined;
  const deadline = Date.now() + timeoutMs;
  // a next() that lost a race against the timeout still resolves later: keep it for the next pull
  const nextOf = () => {
    const held = pending.get(it);
    pending.delete(it);
    return held ?? it.next();
  };
  while (records.length + letters.length < count || lastCheckpoint === undefined) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out with ${records.length + letters.length}/${count}`);
    let timer: NodeJS.Timeout | undefined;
    const call = nextOf();
    const next = await Promise.race([
      call,
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === "timeout") {
      pending.set(it, call);
      throw new Error(`timed out with ${records.length + letters.length}/${count}`);
    }
    if (next.done) break;
    const m = next.value;
    if (m.kind === "records") records.push(...m.records);
    else if (m.kind === "dead-letter") letters.push(m);
    else if (records.length + letters.length >= count) lastCheckpoint = m.checkpoint;
  }
  return { records, letters, lastCheckpoint };
}

/** A TCP proxy to the broker whose connections a test can cut (a network failure). */
export async function brokerProxy(): Promise<{ url: string; dropAll(): void; close(): Promise<void> }> {
  const { createServer, connect } = await import("node:net");
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((client) => {
    const upstream = connect(BROKER.port, BROKER.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `stomp://127.0.0.1:${port}`,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
