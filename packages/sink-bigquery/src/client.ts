/** The BigQuery client and the auth headers of our own upload requests. */
import { randomUUID } from "node:crypto";
import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import type { ResolvedOptions } from "./options.js";

export interface Connection {
  bq: BigQuery;
  /** REST base without `/bigquery/v2`: uploads go to `${uploadBase}/upload/bigquery/v2/projects/…`. */
  uploadBase: string;
  /** Headers (Authorization, user agent) for a request to `url`. */
  headers(url: string): Promise<Record<string, string>>;
}

/**
 * `auth: "google"` uses the Google auth chain (ADC, GOOGLE_APPLICATION_CREDENTIALS, workload
 * identity) through the client's GoogleAuth. `auth: "none"` (emulators only) gives the client an
 * OAuth2Client holding a random placeholder token that never refreshes, so nothing looks for
 * credentials or probes the metadata server.
 */
export function connect(
  opts: Pick<ResolvedOptions, "projectId" | "location" | "apiEndpoint" | "auth" | "client">,
): Connection {
  const apiEndpoint = opts.apiEndpoint?.replace(/\/+$/, "");
  const authClient =
    opts.auth === "none"
      ? new OAuth2Client({ credentials: { access_token: `emulator-${randomUUID()}` } })
      : undefined;
  const bq =
    opts.client ??
    new BigQuery({
      projectId: opts.projectId,
      location: opts.location,
      ...(apiEndpoint ? { apiEndpoint } : {}),
      ...(authClient ? { authClient } : {}),
    });
  return {
    bq,
    uploadBase: apiEndpoint ?? "https://bigquery.googleapis.com",
    async headers(url: string) {
      const h = await bq.authClient.getRequestHeaders(url);
      const out: Record<string, string> = {};
      const entries: Iterable<[string, string]> =
        typeof (h as Headers).forEach === "function" && typeof (h as Headers).entries === "function"
          ? (h as Headers).entries()
          : Object.entries(h as unknown as Record<string, string>);
      for (const [k, v] of entries) out[k.toLowerCase()] = v;
      return out;
    },
  };
}
