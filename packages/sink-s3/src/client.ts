import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export interface ClientOptions {
  client?: S3Client | undefined;
  clientConfig?: S3ClientConfig | undefined;
  region?: string | undefined;
}

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
