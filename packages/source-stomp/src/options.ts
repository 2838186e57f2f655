import { registerSecret } from "@sluice/core";
import { z } from "zod";

/** Where `parseBrokerUrl` says the broker is. */
export interface BrokerAddress {
  host: string;
  port: number;
  tls: boolean;
}

/** `stomp://host:61613`, or TLS: `stomp+ssl://host:61614` (Amazon MQ), `stomp+tls://`, `ssl://`. */
export function parseBrokerUrl(url: string): BrokerAddress | undefined {
  const m =
    /^(stomp|stomp\+ssl|stomp\+tls|ssl|tls|tcp):\/\/(\[[^\]]+\]|[^:/?]+)(?::(\d+))?\/?(?:\?.*)?$/.exec(
      url.trim(),
    );
  if (!m) return undefined;
  const tls = m[1] !== "stomp" && m[1] !== "tcp";
  const port = m[3] ? Number(m[3]) : tls ? 61614 : 61613;
  if (port < 1 || port > 65_535) return undefined;
  return { host: m[2]!.replace(/^\[|\]$/g, ""), port, tls };
}

/** `/queue/NAME` or `/topic/NAME` (ActiveMQ also accepts temp destinations; not for consumers). */
export const DESTINATION = /^\/(queue|topic)\/[^\s]+$/;

/** `attendances` for `/queue/attendances`, snake_case. */
export function streamNameOf(destination: string): string {
  const name = destination.replace(/^\/(queue|topic)\//, "");
  return (
    name
      .replace(/[^A-Za-z0-9]+/g, "_")
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .toLowerCase()
      .replace(/^_+|_+$/g, "") || "messages"
  );
}

export const stompSourceOptionsSchema = z
  .object({
    url: z
      .string()
      .default("stomp://127.0.0.1:61613")
      .refine((u) => parseBrokerUrl(u) !== undefined, {
        message: "must be stomp://host:port or stomp+ssl://host:port",
      }),
    login: z.string().optional(),
    passcode: z.string().optional(),
    /** The STOMP `host` header (virtual host); default the URL's host name. */
    virtualHost: z.string().optional(),
    destination: z.string().regex(DESTINATION, "must be /queue/NAME or /topic/NAME"),
    /** Durable topic subscription name (`activemq.subscriptionName`); topics only. */
    subscriptionName: z.string().min(1).optional(),
    /** CONNECT `client-id`; default the subscription name for durable subscriptions. */
    clientId: z.string().min(1).optional(),
    /** Stream name; default derived from the destination. */
    stream: z.string().min(1).optional(),
    /** Fields forming the record key; default the broker's message id. */
    primaryKey: z.array(z.string().min(1)).min(1).default(["_message_id"]),
    /** `activemq.prefetchSize`: unacked messages in flight (size it to the batch). */
    prefetch: z.number().int().min(1).max(32_767).default(500),
    /** Dead-letter destination; default `/queue/<destination name>.DLQ`. */
    deadLetterDestination: z.string().regex(DESTINATION, "must be /queue/NAME or /topic/NAME").optional(),
    heartbeat: z
      .object({ outgoingMs: z.number().int().min(0), incomingMs: z.number().int().min(0) })
      .default({ outgoingMs: 10_000, incomingMs: 10_000 }),
    reconnect: z
      .object({ initialMs: z.number().int().min(1), maxMs: z.number().int().min(1) })
      .default({ initialMs: 500, maxMs: 30_000 }),
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    /** How long `deadLetter()` waits for the broker's RECEIPT. */
    receiptTimeoutMs: z.number().int().min(100).default(30_000),
    tls: z
      .object({
        rejectUnauthorized: z.boolean().default(true),
        /** PEM CA bundle (private CAs); the system store otherwise. */
        ca: z.string().optional(),
        servername: z.string().optional(),
      })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.subscriptionName && !o.destination.startsWith("/topic/")) {
      ctx.addIssue({
        code: "custom",
        path: ["subscriptionName"],
        message: "durable subscriptions need a /topic/ destination",
      });
    }
  })
  .transform((o) => {
    registerSecret(o.passcode);
    const name = o.destination.replace(/^\/(queue|topic)\//, "");
    return {
      ...o,
      broker: parseBrokerUrl(o.url)!,
      stream: o.stream ?? streamNameOf(o.destination),
      clientId: o.clientId ?? o.subscriptionName,
      deadLetterDestination: o.deadLetterDestination ?? `/queue/${name}.DLQ`,
    };
  });

export type StompSourceOptions = z.input<typeof stompSourceOptionsSchema>;
export type ResolvedStompSourceOptions = z.output<typeof stompSourceOptionsSchema>;
