/** Command dispatch: the command's first key names it; unknown commands answer code 59. */
import type { Document } from "bson";
import * as admin from "./admin-commands.js";
import { CommandError } from "./errors.js";
import * as read from "./read-commands.js";
import type { Store } from "./store.js";
import * as write from "./write-commands.js";

export interface CommandContext {
  store: Store;
  cursors: read.Cursors;
  connectionId: number;
}

type Handler = (ctx: CommandContext, db: string, cmd: Document) => Document;

const ok = () => ({ ok: 1 });

const HANDLERS: Record<string, Handler> = {
  hello: (ctx) => admin.hello(ctx.connectionId),
  ismaster: (ctx) => admin.hello(ctx.connectionId),
  isMaster: (ctx) => admin.hello(ctx.connectionId),
  ping: ok,
  buildInfo: () => admin.buildInfo(),
  buildinfo: () => admin.buildInfo(),
  endSessions: ok,
  killSessions: ok,
  insert: (ctx, db, cmd) => write.insert(ctx.store, db, cmd),
  update: (ctx, db, cmd) => write.update(ctx.store, db, cmd),
  delete: (ctx, db, cmd) => write.remove(ctx.store, db, cmd),
  find: (ctx, db, cmd) => read.find(ctx.store, ctx.cursors, db, cmd),
  getMore: (ctx, _db, cmd) => ctx.cursors.more(cmd),
  killCursors: (ctx, _db, cmd) => ctx.cursors.kill(cmd),
  aggregate: (ctx, db, cmd) => read.aggregate(ctx.store, ctx.cursors, db, cmd),
  count: (ctx, db, cmd) => read.count(ctx.store, db, cmd),
  distinct: (ctx, db, cmd) => read.distinct(ctx.store, db, cmd),
  create: (ctx, db, cmd) => admin.create(ctx.store, db, cmd),
  createIndexes: (ctx, db, cmd) => admin.createIndexes(ctx.store, db, cmd),
  listIndexes: (ctx, db, cmd) => admin.listIndexes(ctx.store, ctx.cursors, db, cmd),
  renameCollection: (ctx, _db, cmd) => admin.renameCollection(ctx.store, cmd),
  drop: (ctx, db, cmd) => admin.drop(ctx.store, db, cmd),
  dropDatabase: (ctx, db) => {
    ctx.store.dropDatabase(db);
    return { ok: 1 };
  },
  listCollections: (ctx, db, cmd) => admin.listCollections(ctx.store, ctx.cursors, db, cmd),
  listDatabases: (ctx) => admin.listDatabases(ctx.store),
};

/** The names of the commands the stand-in answers. */
export const SUPPORTED_COMMANDS: readonly string[] = Object.keys(HANDLERS);

export function commandName(cmd: Document): string {
  return Object.keys(cmd)[0] ?? "";
}

export function runCommand(ctx: CommandContext, cmd: Document): Document {
  const name = commandName(cmd);
  const handler = HANDLERS[name];
  if (!handler) throw new CommandError(59, "CommandNotFound", `no such command: '${name}'`);
  if (cmd.txnNumber !== undefined || cmd.startTransaction !== undefined) {
    throw new CommandError(
      20,
      "IllegalOperation",
      "Transaction numbers are only allowed on a replica set member or mongos",
    );
  }
  return handler(ctx, String(cmd.$db ?? "admin"), cmd);
}
