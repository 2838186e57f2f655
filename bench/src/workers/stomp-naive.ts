/**
 * Worker: the naive consumer the project replaces (a loop that inserts each message and acks
 * it): STOMP `client-individual` with prefetch 1, one idempotent INSERT … ON DUPLICATE KEY
 * UPDATE per message (id + the JSON), then its ACK, one message at a time.
 */
import { connect, type Socket } from "node:net";
import { Client, type IMessage } from "@stomp/stompjs";
import { TCPWrapper } from "@stomp/tcp-wrapper";
import mysql from "mysql2/promise";
import { stopwatch, worker } from "../harness/worker.js";

/** Nagle off, as the sluice source has it: the baseline is naive in design, not in settings. */
class NoDelayTcp extends TCPWrapper {
  protected override getSocket(port: number, host: string): Socket {
    return connect({ port, host, noDelay: true });
  }
}

export interface StompNaiveParams {
  destination: string;
  mysqlUrl: string;
  table: string;
  count: number;
}
export interface StompNaiveResult {
  ms: number;
  records: number;
}

worker<StompNaiveParams, StompNaiveResult>(async (p) => {
  const db = await mysql.createConnection({ uri: p.mysqlUrl });
  await db.query(
    `CREATE TABLE IF NOT EXISTS \`${p.table}\` (id VARCHAR(255) PRIMARY KEY, raw JSON NOT NULL)`,
  );
  const client = new Client({
    webSocketFactory: () => new NoDelayTcp("127.0.0.1", 61613),
    connectHeaders: { host: "localhost" },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => {},
  });
  let records = 0;
  let elapsed: () => number = () => 0;
  const done = new Promise<number>((resolve, reject) => {
    const queue: IMessage[] = [];
    let busy = false;
    const next = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0) {
        const m = queue.shift()!;
        try {
          await db.execute(
            `INSERT INTO \`${p.table}\` (id, raw) VALUES (?, ?) ON DUPLICATE KEY UPDATE raw = VALUES(raw)`,
            [m.headers["message-id"] ?? "", m.body],
          );
        } catch (error) {
          reject(error);
          return;
        }
        m.ack();
        if (++records >= p.count) resolve(elapsed());
      }
      busy = false;
    };
    client.onConnect = () => {
      elapsed = stopwatch();
      client.subscribe(
        p.destination,
        (m) => {
          queue.push(m);
          void next();
        },
        { ack: "client-individual", "activemq.prefetchSize": "1" },
      );
    };
    client.onStompError = (f) => reject(new Error(f.headers.message));
    client.activate();
  });
  const ms = await done;
  await client.deactivate();
  await db.end();
  return { ms, records };
});
