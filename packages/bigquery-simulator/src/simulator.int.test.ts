import { randomUUID } from "node:crypto";
import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BigQuerySimulator, startBigQuerySimulator } from "./index.js";

const PROJECT = "sim-project";
let sim: BigQuerySimulator;
let bq: BigQuery;

function client(url: string): BigQuery {
  // an access token that is not a secret: the simulator accepts any request
  const authClient = new OAuth2Client({ credentials: { access_token: ["local", randomUUID()].join("-") } });
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient });
}

const schema = {
  fields: [
    { name: "id", type: "STRING", mode: "REQUIRED" },
    { name: "n", type: "INTEGER" },
    { name: "at", type: "TIMESTAMP" },
    { name: "ok", type: "BOOLEAN" },
    { name: "tags", type: "STRING", mode: "REPEATED" },
    { name: "loc", type: "RECORD", fields: [{ name: "city", type: "STRING" }] },
    { name: "raw", type: "JSON" },
  ],
};

async function load(table: string, lines: object[], metadata: Record<string, unknown>): Promise<unknown> {
  const t = bq.dataset("ds").table(table);
  return new Promise((resolve, reject) => {
    const stream = t.createWriteStream({ sourceFormat: "NEWLINE_DELIMITED_JSON", ...metadata });
    stream.on("error", reject);
    stream.on("complete", (job) => resolve(job.metadata));
    stream.end(lines.map((l) => JSON.stringify(l)).join("\n"));
  });
}

beforeEach(async () => {
  sim = await startBigQuerySimulator();
  bq = client(sim.url);
  await bq.createDataset("ds", { location: "US" });
});
afterEach(async () => {
  await sim.close();
});

describe("BigQuery simulator through @google-cloud/bigquery", () => {
  it("creates and gets datasets; 404 and 409 like BigQuery", async () => {
    const [exists] = await bq.dataset("ds").exists();
    expect(exists).toBe(true);
    expect((await bq.dataset("nope").exists())[0]).toBe(false);
    await expect(bq.createDataset("ds")).rejects.toMatchObject({ code: 409 });
    const [md] = await bq.dataset("ds").getMetadata();
    expect(md).toMatchObject({ location: "US", datasetReference: { datasetId: "ds" } });
  });

  it("creates, reads and deletes tables", async () => {
    await bq.dataset("ds").createTable("t1", { schema });
    const [md] = await bq.dataset("ds").table("t1").getMetadata();
    expect(md.schema.fields.map((f: { name: string }) => f.name)).toEqual(schema.fields.map((f) => f.name));
    await bq.dataset("ds").table("t1").delete();
    expect((await bq.dataset("ds").table("t1").exists())[0]).toBe(false);
  });

  it("loads NDJSON through a multipart upload and returns rows with typed cells", async () => {
    const job = await load(
      "t",
      [
        {
          id: "a",
          n: 1,
          at: "2024-01-01T00:00:00Z",
          ok: true,
          tags: ["x", "y"],
          loc: { city: "Zoë 😀" },
          raw: { k: [1] },
        },
        { id: "b", n: "2", at: 1704067200, ok: "false", tags: null, loc: null, raw: null },
      ],
      { schema, writeDisposition: "WRITE_TRUNCATE" },
    );
    expect(job).toMatchObject({ status: { state: "DONE" }, statistics: { load: { outputRows: "2" } } });
    const [rows] = await bq.dataset("ds").table("t").getRows();
    expect(rows).toHaveLength(2);
    const a = rows.find((r) => r.id === "a")!;
    expect(a.n).toBe(1);
    expect(a.ok).toBe(true);
    expect(a.tags).toEqual(["x", "y"]);
    expect(a.loc).toEqual({ city: "Zoë 😀" });
    expect(a.at.value).toBe("2024-01-01T00:00:00.000Z");
    const b = rows.find((r) => r.id === "b")!;
    expect(b.ok).toBe(false);
    expect(b.at.value).toBe("2024-01-01T00:00:00.000Z");
  });

  it("fails a load with BigQuery's error shape on a type error and leaves the table untouched", async () => {
    await load("t", [{ id: "a", n: 1 }], { schema, writeDisposition: "WRITE_TRUNCATE" });
    const err = await load(
      "t",
      [
        { id: "b", n: 2 },
        { id: "c", n: "not a number" },
      ],
      {
        schema,
        writeDisposition: "WRITE_TRUNCATE",
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ reason: "invalid" })]),
    });
    const messages = ((err as { errors: { message: string }[] }).errors ?? [])
      .map((e) => e.message)
      .join("\n");
    expect(messages).toMatch(/too many errors/);
    expect(messages).toMatch(/position \d+: Could not convert value .* to integer\. Field: n/);
    expect(sim.rows(PROJECT, "ds", "t")?.map((r) => r.id)).toEqual(["a"]);
  });

  it("rejects unknown fields and missing required fields unless allowed", async () => {
    const unknown = await load("t", [{ id: "a", extra: 1 }], { schema }).catch((e: unknown) => e);
    expect(JSON.stringify(unknown)).toMatch(/No such field: extra/);
    const missing = await load("t", [{ n: 1 }], { schema }).catch((e: unknown) => e);
    expect(JSON.stringify(missing)).toMatch(/Missing required field: id/);
    await load("t", [{ id: "a", extra: 1 }], { schema, ignoreUnknownValues: true });
    expect(sim.rows(PROJECT, "ds", "t")).toHaveLength(1);
  });

  it("honours write dispositions: append adds, truncate replaces, empty refuses a non-empty table", async () => {
    await load("t", [{ id: "a" }], { schema, writeDisposition: "WRITE_APPEND" });
    await load("t", [{ id: "b" }], { schema, writeDisposition: "WRITE_APPEND" });
    expect(sim.rows(PROJECT, "ds", "t")?.map((r) => r.id)).toEqual(["a", "b"]);
    await load("t", [{ id: "c" }], { schema, writeDisposition: "WRITE_TRUNCATE" });
    expect(sim.rows(PROJECT, "ds", "t")?.map((r) => r.id)).toEqual(["c"]);
    const e = await load("t", [{ id: "d" }], { schema, writeDisposition: "WRITE_EMPTY" }).catch(
      (x: unknown) => x,
    );
    expect(JSON.stringify(e)).toMatch(/duplicate/);
  });

  it("answers COUNT(*) and SELECT through jobs.query", async () => {
    await load(
      "t",
      [
        { id: "a", n: 2 },
        { id: "b", n: 1 },
      ],
      { schema },
    );
    const [count] = await bq.query({ query: `SELECT COUNT(*) AS n FROM \`${PROJECT}.ds.t\`` });
    expect(count).toEqual([{ n: 2 }]);
    const [rows] = await bq.query({ query: "SELECT id, n FROM `ds.t` ORDER BY n ASC" });
    expect(rows).toEqual([
      { id: "b", n: 1 },
      { id: "a", n: 2 },
    ]);
    await expect(bq.query({ query: "SELECT nope FROM `ds.t`" })).rejects.toMatchObject({ code: 400 });
  });

  it("runs the sink's staging MERGE", async () => {
    await load(
      "t",
      [
        { id: "a", n: 1 },
        { id: "b", n: 1 },
      ],
      { schema },
    );
    const stage = { fields: [...schema.fields, { name: "_sluice_seq", type: "INTEGER" }] };
    await load(
      "s",
      [
        { id: "b", n: 2, _sluice_seq: 1 },
        { id: "b", n: 3, _sluice_seq: 2 },
        { id: "c", n: 4, _sluice_seq: 3 },
      ],
      {
        schema: stage,
      },
    );
    const cols = ["id", "n"];
    const sql = `MERGE \`${PROJECT}.ds.t\` T USING (SELECT * FROM \`${PROJECT}.ds.s\` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`_sluice_seq\` DESC) = 1) S
      ON T.\`id\` = S.\`id\`
      WHEN MATCHED THEN UPDATE SET ${cols.map((c) => `\`${c}\` = S.\`${c}\``).join(", ")}
      WHEN NOT MATCHED THEN INSERT (${cols.map((c) => `\`${c}\``).join(", ")}) VALUES (${cols.map((c) => `S.\`${c}\``).join(", ")})`;
    const [job] = await bq.createQueryJob({ query: sql });
    await job.getQueryResults();
    const [md] = await job.getMetadata();
    expect(md.statistics.query.dmlStats).toEqual({
      insertedRowCount: "1",
      updatedRowCount: "1",
      deletedRowCount: "0",
    });
    const rows = sim.rows(PROJECT, "ds", "t")!.map((r) => [r.id, r.n]);
    expect(rows).toEqual([
      ["a", "1"],
      ["b", "3"],
      ["c", "4"],
    ]);
  });

  it("expires tables at their expirationTime", async () => {
    await bq.dataset("ds").createTable("tmp", { schema, expirationTime: String(Date.now() - 1) });
    expect((await bq.dataset("ds").table("tmp").exists())[0]).toBe(false);
  });
});

describe("resumable uploads", () => {
  const job = (table: string) => ({
    configuration: {
      load: {
        destinationTable: { projectId: PROJECT, datasetId: "ds", tableId: table },
        schema,
        sourceFormat: "NEWLINE_DELIMITED_JSON",
        writeDisposition: "WRITE_TRUNCATE",
      },
    },
    jobReference: { projectId: PROJECT, jobId: `j_${randomUUID().replace(/-/g, "")}`, location: "US" },
  });
  const start = async (table: string) => {
    const res = await fetch(`${sim.url}/upload/bigquery/v2/projects/${PROJECT}/jobs?uploadType=resumable`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=UTF-8",
        "x-upload-content-type": "application/octet-stream",
      },
      body: JSON.stringify(job(table)),
    });
    expect(res.status).toBe(200);
    return res.headers.get("location")!;
  };

  it("accepts chunks with Content-Range, answers 308 with Range, and completes with the job", async () => {
    const session = await start("r");
    const text = Buffer.from(
      Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `r${i}`, loc: { city: "Zoë 😀" } })).join(
        "\n",
      ),
    );
    const cut = 256 * 1024 > text.length ? Math.floor(text.length / 2) : 256 * 1024;
    const first = await fetch(session, {
      method: "PUT",
      headers: { "content-range": `bytes 0-${cut - 1}/*` },
      body: text.subarray(0, cut),
    });
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe(`bytes=0-${cut - 1}`);
    expect(sim.rows(PROJECT, "ds", "r")).toBeUndefined();
    const query = await fetch(session, { method: "PUT", headers: { "content-range": "bytes */*" } });
    expect(query.status).toBe(308);
    const last = await fetch(session, {
      method: "PUT",
      headers: { "content-range": `bytes ${cut}-${text.length - 1}/${text.length}` },
      body: text.subarray(cut),
    });
    expect(last.status).toBe(200);
    const done = (await last.json()) as {
      status: { state: string };
      statistics: { load: { outputRows: string } };
    };
    expect(done.statistics.load.outputRows).toBe("3000");
    expect(sim.rows(PROJECT, "ds", "r")).toHaveLength(3000);
  });

  it("an abandoned or cancelled session changes nothing", async () => {
    const session = await start("r2");
    await fetch(session, { method: "PUT", headers: { "content-range": "bytes 0-9/*" }, body: '{"id":"x"}' });
    expect(sim.openUploads()).toBe(1);
    expect((await fetch(session, { method: "DELETE" })).status).toBe(499);
    expect(sim.openUploads()).toBe(0);
    expect(sim.rows(PROJECT, "ds", "r2")).toBeUndefined();
    expect((await fetch(session, { method: "PUT", body: "" })).status).toBe(404);
  });
});
