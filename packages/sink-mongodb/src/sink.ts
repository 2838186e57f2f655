import {
  type CheckedSink,
  ConfigError,
  type OpenOptions,
  parseOptions,
  type SinkWriter,
  type StreamDescriptor,
} from "@sluice/core";
import { type Db, MongoClient, type MongoClientOptions } from "mongodb";
import { BatchWriter, type WriterTarget } from "./batch-writer.js";
import { ContinuousWriter } from "./continuous-writer.js";
import { toSinkError } from "./errors.js";
import {
  type MongoSinkOptions,
  mongoSinkOptionsSchema,
  parseMongoUrl,
  type ResolvedMongoSinkOptions,
} from "./options.js";

export interface MongoSink extends CheckedSink {
  /** The database records land in (for tests and tools reading back). */
  database(): Promise<Db>;
  close(): Promise<void>;
}

/** Driver options: write concern `majority` and retryable writes unless the URL says otherwise. */
function clientOptions(o: ResolvedMongoSinkOptions): MongoClientOptions {
  const params = parseMongoUrl(o.url)!.params;
  const has = (k: string) => [...params.keys()].some((p) => p.toLowerCase() === k.toLowerCase());
  const options: MongoClientOptions = { ...(o.clientOptions as MongoClientOptions | undefined) };
  if (o.writeConcern) options.writeConcern = o.writeConcern;
  else if (!has("w")) options.writeConcern = { w: "majority" };
  if (!has("retryWrites")) options.retryWrites = true;
  return options;
}

/**
 * A MongoDB sink on the official driver. One collection per stream (`collections[stream]`,
 * else `layout.table`, else the stream name); `_id` is the stream's primary key, so upserts
 * are idempotent under redelivery.
 */
export function mongoSink(input: MongoSinkOptions): MongoSink {
  const o = parseOptions(mongoSinkOptionsSchema, input, "mongoSink options");
  const databaseName = o.database ?? parseMongoUrl(o.url)!.database!;
  let client: MongoClient | undefined;
  const db = async (): Promise<Db> => {
    if (!client) {
      client = new MongoClient(o.url.trim(), clientOptions(o));
      try {
        await client.connect();
      } catch (error) {
        client = undefined;
        throw toSinkError(error, "connecting to MongoDB");
      }
    }
    return client.db(databaseName);
  };

  const target = async (stream: StreamDescriptor, mode: string): Promise<WriterTarget> => {
    if (mode === "upsert" && stream.primaryKey.length === 0) {
      throw new ConfigError("mongoSink", [
        { field: `streams.${stream.name}.primaryKey`, message: "upsert needs a primary key" },
      ]);
    }
    return {
      db: await db(),
      collection: o.collections?.[stream.name] ?? stream.layout?.table ?? stream.name,
      stream: stream.name,
      primaryKey: stream.primaryKey,
      indexes: o.indexes?.[stream.name] ?? [],
      batchSize: o.batchSize,
    };
  };

  return {
    name: "mongodb",
    capabilities: { continuous: true, writeModes: ["upsert", "append", "replace"] },
    database: db,
    async check() {
      try {
        await (await db()).command({ ping: 1 });
      } catch (error) {
        throw toSinkError(error, "MongoDB ping");
      }
    },
    async open(stream: StreamDescriptor, options: OpenOptions): Promise<SinkWriter> {
      const t = await target(stream, options.mode);
      if (options.delivery === "continuous") {
        if (options.mode === "replace") {
          throw new ConfigError("mongoSink", [
            { field: "mode", message: "continuous delivery supports upsert and append" },
          ]);
        }
        return new ContinuousWriter(t, options.mode);
      }
      return new BatchWriter(t, options.mode, options.runId);
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.close();
    },
  };
}
