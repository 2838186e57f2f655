/**
 * Worker: Intercom → BigQuery written the way the original Cloud Function is: every entity read
 * completely into an array, then one load per table from one in-memory NDJSON string (multipart
 * upload through the client's createWriteStream). Same simulators, same conversation-detail
 * concurrency (10) and 429 handling, so the difference is memory, not request scheduling.
 */
import { randomUUID } from "node:crypto";
import { BigQuery } from "@google-cloud/bigquery";
import type { JsonObject } from "@sluice/core";
import { bigQueryFields, encodeRecord, inferColumns } from "@sluice/sink-bigquery";
import { OAuth2Client } from "google-auth-library";
import { stopwatch, worker } from "../harness/worker.js";

export interface BigQueryNaiveParams {
  intercomUrl: string;
  token: string;
  bigqueryUrl: string;
  project: string;
  dataset: string;
}
export interface BigQueryNaiveResult {
  ms: number;
  /** CPU time of the worker process (user + system), ms: independent of machine load. */
  cpuMs?: number;
  records: Record<string, number>;
}

worker<BigQueryNaiveParams, BigQueryNaiveResult>(async (p) => {
  const get = async (path: string, init?: RequestInit): Promise<JsonObject> => {
    for (;;) {
      const res = await fetch(`${p.intercomUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${p.token}`,
          accept: "application/json",
          "content-type": "application/json",
        },
      });
      if (res.status === 429) {
        const reset = Number(res.headers.get("x-ratelimit-reset") ?? 0) * 1000;
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, Math.max(50, reset - Date.now())));
        continue;
      }
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return (await res.json()) as JsonObject;
    }
  };
  const cursorAll = async (path: string, key: string): Promise<JsonObject[]> => {
    const all: JsonObject[] = [];
    let after: string | undefined;
    do {
      const body = await get(
        `${path}?per_page=150${after ? `&starting_after=${encodeURIComponent(after)}` : ""}`,
      );
      all.push(...((body[key] as JsonObject[]) ?? []));
      after = ((body.pages as JsonObject | undefined)?.next as JsonObject | undefined)?.starting_after as
        | string
        | undefined;
    } while (after);
    return all;
  };
  const elapsed = stopwatch();
  const contacts = await cursorAll("/contacts", "data");
  const companies: JsonObject[] = [];
  for (let param: string | undefined, page: JsonObject[] = [null as never]; page.length > 0; ) {
    const body = await get(`/companies/scroll${param ? `?scroll_param=${param}` : ""}`);
    page = (body.data as JsonObject[]) ?? [];
    companies.push(...page);
    param = body.scroll_param as string;
  }
  const list = await cursorAll("/conversations", "conversations");
  const conversations: JsonObject[] = [];
  for (let i = 0; i < list.length; i += 10) {
    conversations.push(
      ...(await Promise.all(list.slice(i, i + 10).map((c) => get(`/conversations/${c.id}`)))),
    );
  }
  const tables: Record<string, JsonObject[]> = {
    users: contacts.filter((c) => c.role === "user"),
    contacts: contacts.filter((c) => c.role === "lead"),
    companies,
    conversations,
    admins: ((await get("/admins")).admins as JsonObject[]) ?? [],
    teams: ((await get("/teams")).teams as JsonObject[]) ?? [],
    tags: ((await get("/tags")).data as JsonObject[]) ?? [],
    segments: ((await get("/segments")).segments as JsonObject[]) ?? [],
  };
  const authClient = new OAuth2Client({ credentials: { access_token: `local-${randomUUID()}` } });
  const bq = new BigQuery({ projectId: p.project, apiEndpoint: p.bigqueryUrl, authClient });
  await bq.createDataset(p.dataset, { location: "US" });
  for (const [table, rows] of Object.entries(tables)) {
    const columns = inferColumns(rows);
    const ndjson = rows.map((r) => JSON.stringify(encodeRecord(columns, r))).join("\n");
    await new Promise((resolve, reject) => {
      const stream = bq
        .dataset(p.dataset)
        .table(table)
        .createWriteStream({
          sourceFormat: "NEWLINE_DELIMITED_JSON",
          writeDisposition: "WRITE_TRUNCATE",
          schema: { fields: bigQueryFields(columns) },
        } as never);
      stream.on("error", reject).on("complete", resolve);
      stream.end(ndjson);
    });
  }
  const cpu = process.cpuUsage();
  return {
    ms: elapsed(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    records: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, v.length])),
  };
});
