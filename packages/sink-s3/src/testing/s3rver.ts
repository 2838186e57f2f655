/**
 * In-process S3 for tests, demos and benchmarks: an `s3rver` on 127.0.0.1 (port 0) over a
 * temporary directory, plus an S3Client configured for it.
 *
 * The client sets `requestChecksumCalculation`/`responseChecksumValidation` to WHEN_REQUIRED:
 * s3rver stores streamed bodies with aws-chunked framing otherwise. These settings exist only
 * here, never in the production defaults of the sink or source.
 *
 * s3rver 3.x lacks AbortMultipartUpload and ListMultipartUploads; this helper adds both (a small
 * Koa middleware over s3rver's own upload directory), so abort semantics can be tested.
 *
 * Node must run with `--openssl-legacy-provider` (NODE_OPTIONS) or s3rver's paginated listings
 * fail with 500.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

export { getBytes, listKeys, putBytes } from "./objects.js";

export interface StartS3rverOptions {
  /** Directory for the stored objects; default: a fresh temp dir, removed on close. */
  directory?: string;
  /** Buckets to create before the server starts. */
  buckets?: string[];
}

export interface S3rverHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** A client for this server (path-style, dummy s3rver credentials, checksums WHEN_REQUIRED). */
  client: S3Client;
  /** The config `client` was built from, for code that builds its own client. */
  clientConfig: S3ClientConfig;
  /** Where s3rver keeps its files. */
  directory: string;
  close(): Promise<void>;
}

// s3rver's built-in account (public, documented test values; not a real credential).
const S3RVER_ACCOUNT = "S3RVER";

interface KoaLikeContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}
type Middleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** AbortMultipartUpload and ListMultipartUploads over s3rver's upload directories. */
function multipartExtensions(directory: string): Middleware {
  const uploadsDir = (bucket: string) => join(directory, bucket, "._S3rver_uploads");
  return async (ctx, next) => {
    const segments = ctx.path.split("/").slice(1);
    const bucket = decodeURIComponent(segments[0] ?? "");
    const key = segments.slice(1).map(decodeURIComponent).join("/");
    const uploadId = typeof ctx.query.uploadId === "string" ? ctx.query.uploadId : undefined;

    if (ctx.method === "DELETE" && bucket && key && uploadId !== undefined) {
      const dir = join(uploadsDir(bucket), uploadId.replace(/[^0-9a-f]/gi, ""));
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (!exists) {
        ctx.status = 404;
        ctx.type = "application/xml";
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${xmlEscape(uploadId)}</UploadId></Error>`;
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }

    if (ctx.method === "GET" && bucket && !key && "uploads" in ctx.query) {
      const prefix = typeof ctx.query.prefix === "string" ? ctx.query.prefix : "";
      const ids = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
      const uploads: string[] = [];
      for (const id of ids.sort()) {
        const uploadKey = await readFile(join(uploadsDir(bucket), id, "key"), "utf8").catch(() => undefined);
        if (uploadKey === undefined || !uploadKey.startsWith(prefix)) continue;
        const initiated = (await stat(join(uploadsDir(bucket), id))).birthtime.toISOString();
        uploads.push(
          `<Upload><Key>${xmlEscape(uploadKey)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
        );
      }
      ctx.status = 200;
      ctx.type = "application/xml";
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads.join("")}</ListMultipartUploadsResult>`;
      return;
    }
    await next();
  };
}

/** Starts s3rver on 127.0.0.1 with a random port. */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverHandle> {
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "sluice-s3rver-")));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  // Koa composes `middleware` when the server starts listening; put ours right after s3rver's
  // logger and XML encoder, before its router.
  (server as unknown as { middleware: Middleware[] }).middleware.splice(1, 0, multipartExtensions(directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clientConfig: S3ClientConfig = {
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCOUNT, secretAccessKey: S3RVER_ACCOUNT },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  const client = new S3Client(clientConfig);
  let closed = false;
  return {
    endpoint,
    client,
    clientConfig,
    directory,
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      await server.close();
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
