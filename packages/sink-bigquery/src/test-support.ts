/** Test helpers: a simulator-backed client and a read-back of a table's rows. */
import { randomUUID } from "node:crypto";
import { BigQuery } from "@google-cloud/bigquery";
import type { JsonObject } from "@sluice/core";
import { OAuth2Client } from "google-auth-library";

export const PROJECT = "sluice-test";

export function simulatorClient(url: string): BigQuery {
  const authClient = new OAuth2Client({ credentials: { access_token: ["local", randomUUID()].join("-") } });
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient });
}

/** Every row of a table through tabledata.list ([] when it does not exist). */
export async function readTable(bq: BigQuery, dataset: string, table: string): Promise<JsonObject[]> {
  const t = bq.dataset(dataset).table(table);
  const [exists] = await t.exists();
  if (!exists) return [];
  const [rows] = await t.getRows({ maxResults: 100_000 });
  return rows as JsonObject[];
}

export function uniqueDataset(): string {
  return `ds_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
}
