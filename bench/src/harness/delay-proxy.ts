/**
 * A TCP proxy that makes every database round trip cost `delayMs` more: bytes from the client
 * are forwarded to the server `delayMs` after they arrive (in order), replies pass straight
 * back. One query/response exchange then costs what it would across a same-region network.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

/** Forwards `from` to `to`, each chunk held back until `delayMs` after it arrived. */
function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ at: number; chunk: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.at - now));
  };
  from.on("data", (chunk: Buffer) => {
    queue.push({ at: performance.now() + delayMs, chunk });
    if (!timer) timer = setTimeout(pump, delayMs);
  });
  from.on("end", () => {
    const finish = () => (queue.length > 0 ? setTimeout(finish, delayMs) : to.end());
    finish();
  });
}

export async function startDelayProxy(
  target: { host: string; port: number },
  delayMs: number,
): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    delayedPipe(client, upstream, delayMs);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
