/**
 * The stand-in server: a TCP listener (port 0 by default) speaking OP_MSG/OP_QUERY to the
 * official driver, with an in-memory store shared by every connection.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Document } from "bson";
import { commandName, runCommand } from "./commands.js";
import { CommandError } from "./errors.js";
import { Cursors } from "./read-commands.js";
import { Store } from "./store.js";
import { encodeReply, parseRequest, type Request, takeMessages } from "./wire.js";

export interface MongoSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
}

/** A scripted failure: the next `times` commands named `command` answer this error. */
export interface InjectedFailure {
  command: string;
  times?: number;
  code?: number;
  codeName?: string;
  errmsg?: string;
  errorLabels?: string[];
  /** Close the socket instead of answering (a network error). */
  closeConnection?: boolean;
}

export interface MongoSimulator {
  /** `mongodb://127.0.0.1:PORT/<database>?directConnection=true` */
  url(database?: string): string;
  readonly port: number;
  /** The in-memory data, for assertions. */
  readonly store: Store;
  /** Every command received, by name, in order (for assertions on what the driver sent). */
  readonly commands: Document[];
  failCommand(failure: InjectedFailure): void;
  close(): Promise<void>;
}

export async function startMongoSimulator(options: MongoSimulatorOptions = {}): Promise<MongoSimulator> {
  const store = new Store();
  const cursors = new Cursors();
  const commands: Document[] = [];
  const failures: InjectedFailure[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let replyId = 1;

  const answer = (socket: Socket, connectionId: number, request: Request) => {
    const cmd = request.command;
    commands.push(cmd);
    const failure = failures.find((f) => f.command === commandName(cmd) && (f.times ?? 1) > 0);
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.closeConnection) return void socket.destroy();
    }
    let reply: Document;
    try {
      if (failure) {
        const e = failure;
        throw new CommandError(
          e.code ?? 8000,
          e.codeName ?? "InjectedFailure",
          e.errmsg ?? "injected failure",
          e.errorLabels,
        );
      }
      reply = runCommand({ store, cursors, connectionId }, cmd);
    } catch (error) {
      reply = errorReply(error);
    }
    if (!request.moreToCome) socket.write(encodeReply(request, replyId++, reply));
  };

  const server: Server = createServer((socket) => {
    const connectionId = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      try {
        const { messages, rest } = takeMessages(pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk);
        pending = rest;
        for (const message of messages) answer(socket, connectionId, parseRequest(message));
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const host = options.host ?? "127.0.0.1";

  return {
    port,
    store,
    commands,
    url: (database = "test") => `mongodb://${host}:${port}/${database}?directConnection=true`,
    failCommand: (failure) => failures.push({ ...failure }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function errorReply(error: unknown): Document {
  if (error instanceof CommandError) {
    return {
      ok: 0,
      errmsg: error.message,
      code: error.code,
      codeName: error.codeName,
      ...(error.errorLabels.length > 0 ? { errorLabels: error.errorLabels } : {}),
    };
  }
  return { ok: 0, errmsg: String(error), code: 1, codeName: "InternalError" };
}
