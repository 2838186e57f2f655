import { registerSecret } from "@sluice/core";
import { z } from "zod";

/** `mongodb://` or `mongodb+srv://` (Atlas); credentials, TLS and options as the driver reads them. */
const URL_PATTERN = /^mongodb(\+srv)?:\/\/(?:([^:@/?]*)(?::([^@/?]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;

export interface ParsedMongoUrl {
  srv: boolean;
  hosts: string;
  database?: string;
  params: URLSearchParams;
}

/** Splits a MongoDB connection string without echoing it; registers the password for redaction. */
export function parseMongoUrl(url: string): ParsedMongoUrl | undefined {
  const m = URL_PATTERN.exec(url.trim());
  if (!m) return undefined;
  if (m[3]) {
    registerSecret(m[3]);
    registerSecret(safeDecode(m[3]));
  }
  const database = m[5] ? safeDecode(m[5]) : undefined;
  return { srv: m[1] !== undefined, hosts: m[4]!, database, params: new URLSearchParams(m[6] ?? "") };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const indexSchema = z.object({
  key: z.record(z.string(), z.union([z.literal(1), z.literal(-1), z.literal("text"), z.literal("hashed")])),
  name: z.string().min(1).optional(),
  unique: z.boolean().optional(),
  sparse: z.boolean().optional(),
  expireAfterSeconds: z.number().int().min(0).optional(),
});

const COLLECTION_NAME = /^[^$\0]+$/;

export const mongoSinkOptionsSchema = z
  .object({
    /** `mongodb://user:pass@host:27017/db?tls=true` or `mongodb+srv://…`. */
    url: z.string().refine((u) => parseMongoUrl(u) !== undefined, {
      message: "must be a mongodb:// or mongodb+srv:// connection string",
    }),
    /** Database; default the one named in the URL. */
    database: z.string().min(1).optional(),
    /** Collection per stream; default `layout.table`, then the stream name. */
    collections: z
      .record(z.string(), z.string().regex(COLLECTION_NAME, "invalid collection name"))
      .optional(),
    /** Indexes declared per stream (created before data becomes visible). */
    indexes: z.record(z.string(), z.array(indexSchema)).optional(),
    /** Default `{ w: "majority" }` unless the URL sets `w`. */
    writeConcern: z
      .object({
        w: z.union([z.number().int().min(0), z.literal("majority")]).optional(),
        journal: z.boolean().optional(),
        wtimeoutMS: z.number().int().min(0).optional(),
      })
      .optional(),
    /** Operations per bulkWrite when moving staged documents. */
    batchSize: z.number().int().min(1).max(100_000).default(1000),
    /** Extra MongoClient options (TLS files, timeouts, appName). */
    clientOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((o, ctx) => {
    if (!o.database && !parseMongoUrl(o.url)?.database) {
      ctx.addIssue({
        code: "custom",
        path: ["database"],
        message: "is required when the URL names no database",
      });
    }
  });

export type MongoSinkOptions = z.input<typeof mongoSinkOptionsSchema>;
export type ResolvedMongoSinkOptions = z.output<typeof mongoSinkOptionsSchema>;
export type IndexDeclaration = z.output<typeof indexSchema>;
