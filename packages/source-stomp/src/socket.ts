/**
 * A TCP/TLS socket that looks like a WebSocket to @stomp/stompjs (via @stomp/tcp-wrapper), and
 * that also sends its own heart-beat EOLs at half the advertised interval: ActiveMQ checks
 * client heart-beats strictly (no grace period by default) and stompjs pings exactly at the
 * advertised interval, so an idle connection could otherwise be dropped by timer drift.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { IStompSocket } from "@stomp/stompjs";
import { TCPWrapper } from "@stomp/tcp-wrapper";
import type { BrokerAddress } from "./options.js";

export interface SocketOptions {
  broker: BrokerAddress;
  heartbeatOutgoingMs: number;
  tls?: { rejectUnauthorized: boolean; ca?: string | undefined; servername?: string | undefined } | undefined;
}

export function socketFactory(options: SocketOptions): () => IStompSocket {
  const { broker, tls } = options;
  class BrokerSocket extends TCPWrapper {
    protected override getSocket(port: number, host: string): Socket {
      if (!broker.tls) return netConnect({ port, host, noDelay: true });
      return tlsConnect({
        port,
        host,
        servername: tls?.servername ?? host,
        rejectUnauthorized: tls?.rejectUnauthorized ?? true,
        ...(tls?.ca ? { ca: tls.ca } : {}),
      });
    }
  }
  return () => {
    const wrapper = new BrokerSocket(broker.host, broker.port);
    const every = Math.floor(options.heartbeatOutgoingMs / 2);
    if (every > 0) {
      // tcp-wrapper keeps the socket in a private field
      const socket = (wrapper as unknown as { socket: Socket }).socket;
      let timer: NodeJS.Timeout | undefined;
      socket.once("connect", () => {
        timer = setInterval(() => socket.writable && socket.write("\n"), every);
        timer.unref();
      });
      socket.once("close", () => clearInterval(timer));
    }
    return wrapper;
  };
}
