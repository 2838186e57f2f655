import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { z } from "zod";

export interface ClientOptions {
  /** A ready client (tests, custom middleware). The caller keeps ownership. */
  client?: S3Client | undefined;
  /** Config for a new client on the SDK's default chain; e.g. the s3rver checksum settings in tests. */
  clientConfig?: S3ClientConfig | undefined;
  region?: string | undefined;
}

/** zod fields for `client` / `clientConfig` / `region`, shared by every S3 options schema. */
export const clientOptionFields = {
  client: z
    .custom<S3Client>(
      (v) => typeof v === "object" && v !== null && typeof (v as S3Client).send === "function",
      "must be an S3Client",
    )
    .optional(),
  clientConfig: z
    .custom<S3ClientConfig>((v) => typeof v === "object" && v !== null, "must be an object")
    .optional(),
  region: z.string().min(1).optional(),
};

/** Refinement: `client` excludes `clientConfig`/`region`. */
export const clientExclusivity = {
  check: (o: ClientOptions) => !(o.client && (o.clientConfig || o.region)),
  issue: { path: ["client"], message: "give either client or clientConfig/region, not both" },
};

/**
 * The given client, or a new one from `clientConfig`/`region` on the SDK's default chain
 * (credentials, region, and `AWS_ENDPOINT_URL_S3` for a custom endpoint). `owned` says whether
 * the caller must destroy it.
 */
export function resolveClient(options: ClientOptions): { client: S3Client; owned: boolean } {
  if (options.client) return { client: options.client, owned: false };
  const config: S3ClientConfig = { ...options.clientConfig };
  if (options.region) config.region = options.region;
  return { client: new S3Client(config), owned: true };
}
