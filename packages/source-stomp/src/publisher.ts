/**
 * A small STOMP publisher for producers, tests and benchmarks: persistent SENDs, each with a
 * receipt, up to `window` awaiting their RECEIPT at once (so a fast producer is not serialised
 * on round trips while every message is still confirmed before `flush()` returns).
 */
import { randomUUID } from "node:crypto";
import { parseOptions, registerSecret, TransientError } from "@sluice/core";
import { Client, type StompHeaders } from "@stomp/stompjs";
import { z } from "zod";
import { parseBrokerUrl } from "./options.js";
import { socketFactory } from "./socket.js";

const publisherOptionsSchema = z.object({
  url: z
    .string()
    .default("stomp://127.0.0.1:61613")
    .refine((u) => parseBrokerUrl(u) !== undefined, {
      message: "must be stomp://host:port or stomp+ssl://host:port",
    }),
  login: z.string().optional(),
  passcode: z.string().optional(),
  virtualHost: z.string().optional(),
  window: z.number().int().min(1).max(10_000).default(200),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  tls: z.object({ rejectUnauthorized: z.boolean().default(true), ca: z.string().optional() }).optional(),
});

/**
 * The options of `stompPublisher`, as given (before defaults).
 *
 * @interface
 */
export type StompPublisherOptions = z.input<typeof publisherOptionsSchema>;

export interface StompPublisher {
  /** Sends one persistent message; resolves once it may be followed (the window has room). */
  publish(destination: string, body: string, headers?: StompHeaders): Promise<void>;
  /** Waits for every outstanding RECEIPT. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function stompPublisher(input: StompPublisherOptions = {}): Promise<StompPublisher> {
  const o = parseOptions(publisherOptionsSchema, input, "stompPublisher options");
  registerSecret(o.passcode);
  const broker = parseBrokerUrl(o.url)!;
  const headers: StompHeaders = { host: o.virtualHost ?? broker.host };
  if (o.login !== undefined) headers.login = o.login;
  if (o.passcode !== undefined) headers.passcode = o.passcode;
  const client = new Client({
    webSocketFactory: socketFactory({ broker, heartbeatOutgoingMs: 0, tls: o.tls }),
    connectHeaders: headers,
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    connectionTimeout: o.connectTimeoutMs,
    debug: () => {},
  });
  let failure: Error | undefined;
  let markFailed: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    markFailed = reject;
  });
  failed.catch(() => {});
  const fail = (e: Error) => {
    failure ??= e;
    markFailed(failure);
  };
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) =>
      fail(new TransientError(`STOMP broker error: ${f.headers.message ?? "unknown"}`));
    client.onWebSocketClose = () => fail(new TransientError("STOMP connection closed"));
    failed.catch(reject);
    client.activate();
  });
  const inFlight = new Set<Promise<void>>();
  const send = (destination: string, body: string, extra: StompHeaders) => {
    if (failure) throw failure;
    const receipt = randomUUID();
    const confirmed = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
    client.publish({
      destination,
      body,
      headers: { ...extra, persistent: "true", receipt },
      skipContentLengthHeader: !body.includes("\0"),
    });
    const tracked = confirmed.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  const settle = async (max: number) => {
    while (inFlight.size > max) {
      await Promise.race([...inFlight, failed]);
    }
  };
  return {
    async publish(destination, body, extra = {}) {
      send(destination, body, extra);
      await settle(o.window - 1);
    },
    flush: () => settle(0),
    async close() {
      try {
        if (!failure) await settle(0);
      } finally {
        await client.deactivate();
      }
    },
  };
}
