/**
 * A TCP proxy that adds `delayMs` to every client → server chunk (order kept), so each store
 * round trip costs at least that much more: a stand-in for a database in another zone.
 */
import { connect, createServer, type Socket } from "node:net";

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

function delayedWriter(target: Socket, delayMs: number): (chunk: Buffer) => void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) target.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.due - now));
  };
  return (chunk) => {
    if (delayMs <= 0) return void target.write(chunk);
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  };
}

export async function startDelayProxy(
  targetPort: number,
  delayMs: number,
  targetHost = "127.0.0.1",
): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ port: targetPort, host: targetHost, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", delayedWriter(upstream, delayMs));
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("end", () => setTimeout(() => upstream.end(), delayMs + 5));
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
