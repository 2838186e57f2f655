/**
 * One broker connection on @stomp/stompjs: CONNECT (login, client-id, heart-beats), SUBSCRIBE
 * in `client-individual` mode with ActiveMQ's prefetch and durable-subscription headers,
 * reconnect with exponential backoff and jitter, ACKs, and SENDs that resolve on RECEIPT.
 * Every (re)connection gets a new epoch: acks only make sense on the connection that received
 * the message, and after a reconnect the broker redelivers whatever was not acked.
 */
import { randomUUID } from "node:crypto";
import { AuthError, type Logger, TransientError } from "@sluice/core";
import { Client, type IFrame, type IMessage, type StompHeaders } from "@stomp/stompjs";
import { backoffDelay } from "./backoff.js";
import type { ResolvedStompSourceOptions } from "./options.js";
import { socketFactory } from "./socket.js";

export interface ConnectionHooks {
  onMessage(message: IMessage, epoch: number): void;
  /** The connection is gone (messages of `epoch` will be redelivered). */
  onDisconnected(epoch: number): void;
  /** A failure that retrying cannot fix (bad credentials). */
  onFatal(error: Error): void;
  /** The broker confirmed the SUBSCRIBE (a durable subscription now exists). */
  onSubscribed?(epoch: number): void;
}

export interface ConnectionDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const PERSISTENT: StompHeaders = { persistent: "true" };
/** No content-length (a TextMessage) unless the body holds a NUL, which only a length can carry. */
const bodyMode = (body: string) => ({ skipContentLengthHeader: !body.includes("\0") });

const AUTH_PATTERN = /password|credential|authenticat|not authori[sz]ed|security/i;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class StompConnection {
  private readonly client: Client;
  private epoch = 0;
  private attempts = 0;
  private everConnected = false;
  private readonly receipts = new Map<string, { resolve(): void; reject(e: Error): void }>();
  private readonly subscriptionId: string;

  constructor(
    private readonly o: ResolvedStompSourceOptions,
    private readonly hooks: ConnectionHooks,
    private readonly logger: Logger,
    deps: ConnectionDeps = {},
  ) {
    const sleep = deps.sleep ?? defaultSleep;
    const random = deps.random ?? Math.random;
    this.subscriptionId = `sluice-${o.stream}`;
    this.client = new Client({
      webSocketFactory: socketFactory({
        broker: o.broker,
        heartbeatOutgoingMs: o.heartbeat.outgoingMs,
        tls: o.tls,
      }),
      connectHeaders: this.connectHeaders(),
      heartbeatIncoming: o.heartbeat.incomingMs,
      heartbeatOutgoing: o.heartbeat.outgoingMs,
      connectionTimeout: o.connectTimeoutMs,
      reconnectDelay: 1, // the real delay (backoff + jitter) is slept in beforeConnect
      debug: () => {},
      beforeConnect: async () => {
        const delay = backoffDelay(this.attempts, o.reconnect.initialMs, o.reconnect.maxMs, random);
        this.attempts++;
        if (delay > 0) {
          this.logger.info({ attempt: this.attempts, delayMs: delay }, "stomp: reconnecting");
          await sleep(delay);
        }
      },
      onConnect: () => this.onConnected(),
      onStompError: (frame) => this.stompError(frame),
      onWebSocketClose: () => this.closed(),
    });
  }

  private connectHeaders(): StompHeaders {
    const o = this.o;
    const h: StompHeaders = { host: o.virtualHost ?? o.broker.host };
    if (o.login !== undefined) h.login = o.login;
    if (o.passcode !== undefined) h.passcode = o.passcode;
    if (o.clientId !== undefined) h["client-id"] = o.clientId;
    return h;
  }

  private onConnected(): void {
    this.attempts = 0;
    this.everConnected = true;
    this.epoch++;
    const epoch = this.epoch;
    const headers: StompHeaders = {
      id: this.subscriptionId,
      ack: "client-individual",
      "activemq.prefetchSize": String(this.o.prefetch),
    };
    if (this.o.subscriptionName) headers["activemq.subscriptionName"] = this.o.subscriptionName;
    const receipt = `sluice-sub-${randomUUID()}`;
    headers.receipt = receipt;
    this.client.watchForReceipt(receipt, () => {
      this.logger.info({ destination: this.o.destination, epoch }, "stomp: subscribed");
      this.hooks.onSubscribed?.(epoch);
    });
    this.client.subscribe(this.o.destination, (m) => this.hooks.onMessage(m, epoch), headers);
  }

  private stompError(frame: IFrame): void {
    const message = frame.headers.message ?? "broker error";
    const receipt = frame.headers["receipt-id"];
    if (receipt) this.settle(receipt, new TransientError(`broker refused a SEND: ${message}`));
    if (!this.everConnected && AUTH_PATTERN.test(message)) {
      this.hooks.onFatal(new AuthError(`STOMP broker refused the login: ${message}`));
      return;
    }
    this.logger.warn({ brokerMessage: message }, "stomp: ERROR frame");
  }

  private closed(): void {
    const epoch = this.epoch;
    for (const id of [...this.receipts.keys()]) {
      this.settle(id, new TransientError("STOMP connection closed before the RECEIPT"));
    }
    this.hooks.onDisconnected(epoch);
  }

  private settle(receiptId: string, error?: Error): void {
    const pending = this.receipts.get(receiptId);
    if (!pending) return;
    this.receipts.delete(receiptId);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  get currentEpoch(): number {
    return this.client.connected ? this.epoch : -1;
  }

  start(): void {
    this.client.activate();
  }

  /** Individual ACKs (id = each MESSAGE's `ack` header), on the connection that received them. */
  ack(ackIds: string[]): void {
    for (const id of ackIds) this.client.ack(id, this.subscriptionId);
  }

  /** SEND a persistent message; resolves when the broker's RECEIPT arrives. */
  async send(destination: string, body: string, headers: StompHeaders, timeoutMs: number): Promise<void> {
    if (!this.client.connected) throw new TransientError("STOMP connection is down");
    const receipt = `sluice-${randomUUID()}`;
    const done = this.awaitReceipt(receipt);
    this.client.publish({
      destination,
      body,
      headers: { ...headers, ...PERSISTENT, receipt },
      ...bodyMode(body),
    });
    await this.within(done, timeoutMs);
  }

  /**
   * SEND to `destination` and ACK `ackId` in one broker transaction, resolved on the COMMIT's
   * RECEIPT: the copy exists exactly when the original is gone, so a crash can neither lose a
   * dead letter nor send it twice.
   */
  async sendAndAck(
    destination: string,
    body: string,
    headers: StompHeaders,
    ackId: string,
    timeoutMs: number,
  ) {
    if (!this.client.connected) throw new TransientError("STOMP connection is down");
    const transaction = `sluice-tx-${randomUUID()}`;
    const receipt = `sluice-${randomUUID()}`;
    const done = this.awaitReceipt(receipt);
    this.client.begin(transaction);
    this.client.publish({
      destination,
      body,
      headers: { ...headers, ...PERSISTENT, transaction },
      ...bodyMode(body),
    });
    this.client.ack(ackId, this.subscriptionId, { transaction });
    this.transmit("COMMIT", { transaction, receipt });
    await this.within(done, timeoutMs);
  }

  /**
   * stompjs sends COMMIT without headers; a receipt on it is what makes the transaction
   * observable, so this one frame goes through its (stable, 7.x) internal transmitter.
   */
  private transmit(command: string, headers: StompHeaders): void {
    const handler = (this.client as unknown as { _stompHandler?: { _transmit(f: unknown): void } })
      ._stompHandler;
    if (!handler) throw new TransientError("STOMP connection is down");
    handler._transmit({ command, headers });
  }

  private awaitReceipt(receipt: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.receipts.set(receipt, { resolve, reject });
      this.client.watchForReceipt(receipt, () => this.settle(receipt));
    }).finally(() => this.receipts.delete(receipt));
  }

  private async within(done: Promise<void>, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError(`no RECEIPT within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** DISCONNECT (waits for the broker's receipt, so earlier ACKs are processed) and close. */
  async stop(): Promise<void> {
    await this.client.deactivate();
  }
}
