import type { BigQuery } from "@google-cloud/bigquery";
import { type BigQuerySimulator, startBigQuerySimulator } from "@sluice/bigquery-simulator";
import {
  ConfigError,
  DataError,
  type JsonObject,
  RateLimitError,
  type Sink,
  type StreamDescriptor,
  silentLogger,
  TOMBSTONE_FIELD,
  type WriteMode,
} from "@sluice/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BigQuerySinkOptions, bigQuerySink } from "./index.js";
import { PROJECT, readTable, simulatorClient, uniqueDataset } from "./test-support.js";

const ts = { type: ["integer", "null"], description: "Unix timestamp (seconds, UTC)" };
const contacts: StreamDescriptor = {
  name: "contacts",
  primaryKey: ["id"],
  schema: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: ["string", "null"] },
      updated_at: ts,
      tags: { type: ["object", "null"] },
      custom_attributes: {
        type: ["object", "null"],
        properties: {
          plan: { type: ["string", "null"] },
          seats: { type: ["integer", "null"] },
          "The One Ring": { type: ["boolean", "null"] },
        },
      },
    },
  },
};

const record = (i: number, v = 1): JsonObject => ({
  id: `c${i}`,
  name: `Zoë 😀 #${i} v${v}`,
  updated_at: 1_700_000_000 + i + v,
  tags: { data: [{ id: String(i) }] },
  custom_attributes: { plan: v % 2 ? "pro" : "free", seats: i, "The One Ring": i % 2 === 0 },
});

let sim: BigQuerySimulator;
let client: BigQuery;
let dataset: string;

beforeEach(async () => {
  sim = await startBigQuerySimulator({ jobDelayMs: 20 });
  client = simulatorClient(sim.url);
  dataset = uniqueDataset();
  await client.createDataset(dataset, { location: "US" });
});
afterEach(() => sim.close());

const sinkWith = (extra: Partial<BigQuerySinkOptions> = {}) =>
  bigQuerySink({
    projectId: PROJECT,
    dataset,
    apiEndpoint: sim.url,
    auth: "none",
    pollMs: 10,
    retries: 2,
    ...extra,
  });

async function land(
  sink: Sink,
  mode: WriteMode,
  records: JsonObject[],
  stream = contacts,
  end: "commit" | "abort" = "commit",
) {
  const writer = await sink.open(stream, {
    mode,
    runId: "run-1",
    runStartedAt: new Date(),
    signal: new AbortController().signal,
    logger: silentLogger(),
  });
  for (let i = 0; i < records.length; i += 500) await writer.write(records.slice(i, i + 500));
  if (end === "abort") return writer.abort(new Error("test abort"));
  return writer.commit({ stateKey: "t/contacts" });
}

describe("bigQuerySink against the BigQuery simulator", () => {
  it("creates typed columns (custom attributes as a RECORD) and loads through chunked resumable uploads", async () => {
    const records = Array.from({ length: 3000 }, (_, i) => record(i));
    const report = await land(sinkWith({ chunkBytes: 256 * 1024 }), "replace", records);
    expect(report).toMatchObject({ records: 3000, location: `${PROJECT}.${dataset}.contacts` });
    expect(report?.details?.jobId).toMatch(/^sluice_load_contacts_/);
    const [md] = await client.dataset(dataset).table("contacts").getMetadata();
    const custom = md.schema.fields.find((f: { name: string }) => f.name === "custom_attributes");
    expect(custom.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual([
      "plan:STRING",
      "seats:INTEGER",
      "The_One_Ring:BOOLEAN",
    ]);
    const rows = await readTable(client, dataset, "contacts");
    expect(rows).toHaveLength(3000);
    const c2 = rows.find((r) => r.id === "c2")!;
    expect(c2.custom_attributes).toEqual({ plan: "pro", seats: 2, The_One_Ring: true });
    expect((c2.updated_at as unknown as { value: string }).value).toBe("2023-11-14T22:13:23.000Z");
    const requests = sim.requests();
    expect(requests["POST /upload"]).toBe(1);
    expect(requests["PUT /upload"]).toBeGreaterThan(2);
  });

  it("replace swaps the table atomically: a concurrent reader never sees it empty", async () => {
    await land(
      sinkWith(),
      "replace",
      Array.from({ length: 200 }, (_, i) => record(i, 1)),
    );
    const counts: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading)
        counts.push(
          Number((await client.query(`SELECT COUNT(*) AS n FROM \`${dataset}.contacts\``))[0][0].n),
        );
    })();
    await land(
      sinkWith(),
      "replace",
      Array.from({ length: 300 }, (_, i) => record(i, 2)),
    );
    reading = false;
    await reader;
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((n) => n === 200 || n === 300)).toBe(true);
    expect(await readTable(client, dataset, "contacts")).toHaveLength(300);
  });

  it("upsert merges through an expiring staging table, applies tombstones, and drops the staging table", async () => {
    await land(
      sinkWith(),
      "replace",
      Array.from({ length: 10 }, (_, i) => record(i)),
    );
    const changes = [record(3, 2), record(3, 3), record(20, 2), { id: "c5", [TOMBSTONE_FIELD]: true }];
    const report = await land(sinkWith(), "upsert", changes);
    expect(report?.details?.dml).toEqual({
      insertedRowCount: "1",
      updatedRowCount: "1",
      deletedRowCount: "1",
    });
    const rows = await readTable(client, dataset, "contacts");
    expect(rows.map((r) => r.id).sort()).toEqual([
      "c0",
      "c1",
      "c2",
      "c20",
      "c3",
      "c4",
      "c6",
      "c7",
      "c8",
      "c9",
    ]);
    expect(rows.find((r) => r.id === "c3")!.name).toBe("Zoë 😀 #3 v3");
    expect(sim.tables(PROJECT, dataset)).toEqual(["contacts"]);
  });

  it("abort cancels the upload and drops the staging table", async () => {
    await land(sinkWith(), "upsert", [record(1)], contacts, "abort");
    expect(sim.openUploads()).toBe(0);
    expect(sim.tables(PROJECT, dataset)).toEqual([]);
  });

  it("staging tables carry an expiration time", async () => {
    const sink = sinkWith({ stagingExpirationMs: 60_000 });
    const writer = await sink.open(contacts, {
      mode: "upsert",
      runId: "r",
      runStartedAt: new Date(),
      signal: new AbortController().signal,
      logger: silentLogger(),
    });
    await writer.write([record(1)]);
    const [staging] = sim.tables(PROJECT, dataset);
    const [md] = await client.dataset(dataset).table(staging!).getMetadata();
    expect(Number(md.expirationTime)).toBeGreaterThan(Date.now());
    expect(Number(md.expirationTime)).toBeLessThanOrEqual(Date.now() + 60_000);
    await writer.abort(new Error("done"));
  });

  it("retries a failed upload chunk", async () => {
    sim.injectFaults([{ route: "PUT /upload", status: 503, reason: "backendError", count: 1 }]);
    const report = await land(sinkWith(), "replace", [record(1), record(2)]);
    expect(report?.records).toBe(2);
    expect(await readTable(client, dataset, "contacts")).toHaveLength(2);
  });

  it("maps a failed load job to a core error with the job id and reasons, and leaves the table as it was", async () => {
    await land(sinkWith(), "replace", [record(1)]);
    sim.failLoadJobs({
      reason: "invalid",
      count: 1,
      message: "Error while reading data. Field: name; Value: Ann",
    });
    const invalid = await land(sinkWith(), "replace", [record(7)]).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(DataError);
    expect((invalid as DataError).message).toMatch(/load job sluice_load_contacts_\w+ failed \(invalid\)/);
    expect((invalid as DataError).message).not.toContain("Ann");
    sim.failLoadJobs({ reason: "rateLimitExceeded", count: 1 });
    const limited = await land(sinkWith(), "append", [record(8)]).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryable).toBe(true);
    expect((await readTable(client, dataset, "contacts")).map((r) => r.id)).toEqual(["c1"]);
  });

  it("append adds new custom attributes as columns", async () => {
    await land(sinkWith(), "replace", [record(1)]);
    const wider: StreamDescriptor = structuredClone(contacts);
    (wider.schema!.properties as Record<string, { properties: Record<string, unknown> }>)
      .custom_attributes!.properties.tier = {
      type: ["integer", "null"],
    };
    await land(sinkWith(), "append", [{ ...record(2), custom_attributes: { tier: 3 } }], wider);
    const rows = await readTable(client, dataset, "contacts");
    expect(rows.find((r) => r.id === "c2")!.custom_attributes).toMatchObject({ tier: 3 });
  });

  it("creates tables with partitioning and clustering", async () => {
    await land(
      sinkWith({ partitioning: { type: "DAY", field: "updated_at" }, clustering: ["id"] }),
      "replace",
      [record(1)],
    );
    const [md] = await client.dataset(dataset).table("contacts").getMetadata();
    expect(md.timePartitioning).toEqual({ type: "DAY", field: "updated_at" });
    expect(md.clustering).toEqual({ fields: ["id"] });
  });

  it("needs an existing dataset in the configured location unless createDataset is set", async () => {
    const missing = bigQuerySink({ projectId: PROJECT, dataset: "nope", apiEndpoint: sim.url, auth: "none" });
    await expect(missing.check()).rejects.toBeInstanceOf(ConfigError);
    const wrongPlace = sinkWith({ location: "EU" });
    await expect(wrongPlace.check()).rejects.toThrow(/is in US, not EU/);
    const create = bigQuerySink({
      projectId: PROJECT,
      dataset: "fresh_ds",
      apiEndpoint: sim.url,
      auth: "none",
      createDataset: true,
      location: "EU",
    });
    await create.check();
    const [md] = await client.dataset("fresh_ds").getMetadata();
    expect(md.location).toBe("EU");
  });

  it("validates its options, listing every problem", () => {
    expect(() =>
      bigQuerySink({ projectId: "", dataset: "bad-name", chunkBytes: 1000 } as BigQuerySinkOptions),
    ).toThrow(ConfigError);
    try {
      bigQuerySink({ projectId: "", dataset: "bad-name", chunkBytes: 1000 } as BigQuerySinkOptions);
    } catch (e) {
      expect([...new Set((e as ConfigError).issues.map((i) => i.field))].sort()).toEqual([
        "chunkBytes",
        "dataset",
        "projectId",
      ]);
    }
    expect(() => bigQuerySink({ projectId: "p1", dataset: "d", auth: "none" })).toThrow(/needs apiEndpoint/);
  });
});

describe("bigQueryStateStore", () => {
  it("saves and loads checkpoints by key in one table, each save atomic", async () => {
    const { bigQueryStateStore } = await import("./index.js");
    const store = bigQueryStateStore({
      projectId: PROJECT,
      dataset,
      apiEndpoint: sim.url,
      auth: "none",
      pollMs: 10,
    });
    expect(await store.load("a/contacts")).toBeUndefined();
    await store.save("a/contacts", { updated_at: 1 });
    await store.save("a/tags", { done: true });
    await store.save("a/contacts", { updated_at: 2, note: "Zoë 😀" });
    expect(await store.load("a/contacts")).toEqual({ updated_at: 2, note: "Zoë 😀" });
    expect(await store.load("a/tags")).toEqual({ done: true });
    expect(sim.rows(PROJECT, dataset, "_sluice_state")).toHaveLength(2);
  });

  it("saves started together all land: no save overwrites another's key", async () => {
    const { bigQueryStateStore } = await import("./index.js");
    const store = bigQueryStateStore({
      projectId: PROJECT,
      dataset,
      table: "_sluice_state_concurrent",
      apiEndpoint: sim.url,
      auth: "none",
      pollMs: 10,
    });
    const keys = ["c/admins", "c/tags", "c/teams", "c/segments"];
    await Promise.all(keys.map((key, i) => store.save(key, { n: i })));
    for (const [i, key] of keys.entries()) expect(await store.load(key)).toEqual({ n: i });
  });
});
