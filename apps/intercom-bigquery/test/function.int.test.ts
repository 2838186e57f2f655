import { type BigQuerySimulator, startBigQuerySimulator } from "@sluice/bigquery-simulator";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTITIES } from "../src/entities.js";
import {
  countRows,
  fakeToken,
  PROJECT,
  post,
  type RunningServer,
  startServer,
  tableSchema,
} from "./helpers.js";

let intercom: IntercomSimulator;
let bq: BigQuerySimulator;
let server: RunningServer;
const token = fakeToken();

const body = (dataset: string, accessToken = token) => ({
  intercom: { accessToken, entities: [...ENTITIES] },
  bq: { project_id: PROJECT, dataset_id: dataset, location: "US" },
});

/** Ids per entity as the Intercom simulator holds them. */
function expectedIds(): Record<string, string[]> {
  const ws = intercom.workspace;
  const ids = (list: readonly object[]) => list.map((x) => String((x as { id?: unknown }).id)).sort();
  return {
    users: ids(ws.contacts.filter((c) => c.role === "user")),
    contacts: ids(ws.contacts.filter((c) => c.role === "lead")),
    companies: ids(ws.companies),
    admins: ids(ws.admins),
    conversations: ids(ws.conversations),
    teams: ids(ws.teams),
    tags: ids(ws.tags),
    segments: ids(ws.segments),
  };
}

const tableIds = (dataset: string, table: string) =>
  (bq.rows(PROJECT, dataset, table) ?? []).map((r) => String(r.id)).sort();

beforeAll(async () => {
  intercom = await startSimulator({
    seed: 5,
    contacts: 320,
    companies: 45,
    conversations: 40,
    rateLimit: false,
    token,
    now: 1_763_900_000,
  });
  bq = await startBigQuerySimulator({ jobDelayMs: 30 });
  server = await startServer({
    INTERCOM_API_URL: intercom.url,
    BIGQUERY_API_ENDPOINT: bq.url,
    BIGQUERY_CREATE_DATASET: "true",
  });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([intercom?.close(), bq?.close()]);
});

describe("intercom-bigquery HTTP function (built dist/server.js) against both simulators", () => {
  it("loads the eight entities into eight tables whose ids equal Intercom's, custom attributes as typed columns", async () => {
    intercom.resetStats();
    const res = await post(server.url, body("intercom"));
    expect(res.status, res.text).toBe(200);
    // users and contacts come from one read of the contact list (150 per page)
    expect(intercom.stats().byRoute["GET /contacts"]).toBe(Math.ceil(320 / 150));
    const summary = res.json as { entities: { entity: string; status: string; records: number }[] };
    expect(summary.entities.map((e) => e.entity).sort()).toEqual([...ENTITIES].sort());
    expect(summary.entities.every((e) => e.status === "committed")).toBe(true);
    expect(bq.tables(PROJECT, "intercom").sort()).toEqual([...ENTITIES, "_sluice_state"].sort());
    const expected = expectedIds();
    for (const entity of ENTITIES) {
      expect(tableIds("intercom", entity), entity).toEqual(expected[entity]);
      expect(await countRows(bq.url, "intercom", entity)).toBe(expected[entity]!.length);
      expect(expected[entity]!.length, entity).toBeGreaterThan(0);
    }
    const users = await tableSchema(bq.url, "intercom", "users");
    const custom = users.find((f) => f.name === "custom_attributes")!;
    expect(custom.type).toBe("RECORD");
    expect(Object.fromEntries(custom.fields!.map((f) => [f.name, f.type]))).toMatchObject({
      plan: "STRING",
      seats: "INTEGER",
      mrr: "FLOAT",
      beta_tester: "BOOLEAN",
      trial_ends_at: "TIMESTAMP",
      The_One_Ring: "STRING",
      favourite_colour: "STRING",
    });
    expect(users.find((f) => f.name === "created_at")?.type).toBe("TIMESTAMP");
    const companies = await tableSchema(bq.url, "intercom", "companies");
    expect(
      companies.find((f) => f.name === "custom_attributes")?.fields?.find((f) => f.name === "is_partner")
        ?.type,
    ).toBe("BOOLEAN");
    // a typed value made it through: a user with a boolean beta_tester has it as a boolean
    const withFlag = intercom.workspace.contacts.find(
      (c) =>
        c.role === "user" &&
        typeof (c.custom_attributes as Record<string, unknown>)?.beta_tester === "boolean",
    )!;
    const row = bq.rows(PROJECT, "intercom", "users")!.find((r) => r.id === withFlag.id)!;
    expect((row.custom_attributes as Record<string, unknown>).beta_tester).toBe(
      (withFlag.custom_attributes as Record<string, unknown>).beta_tester,
    );
    expect(server.output()).not.toContain(token);
  });

  it("a second call overwrites every table while a concurrent reader never sees one empty", async () => {
    await post(server.url, body("again"));
    const before = tableIds("again", "users").length;
    intercom.mutate({ advanceSeconds: 3600, addContacts: 25 });
    const counts: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) counts.push(await countRows(bq.url, "again", "users"));
    })();
    const res = await post(server.url, body("again"));
    reading = false;
    await reader;
    expect(res.status, res.text).toBe(200);
    expect(counts.length).toBeGreaterThan(1);
    expect(counts.every((n) => n > 0)).toBe(true);
    const expected = expectedIds();
    expect(tableIds("again", "users")).toEqual(expected.users);
    expect(tableIds("again", "contacts")).toEqual(expected.contacts);
    expect(tableIds("again", "users").length + tableIds("again", "contacts").length).toBe(
      before + tableIds("intercom", "contacts").length + 25,
    );
  });

  it("a bad body gets 400 listing every problem, without echoing the token, and writes nothing", async () => {
    const res = await post(server.url, {
      intercom: { accessToken: token, entities: ["users", "tickets"] },
      bq: { dataset_id: "not-valid" },
    });
    expect(res.status).toBe(400);
    const issues = (res.json.error as { issues: { field: string }[] }).issues.map((i) => i.field).sort();
    expect(issues).toEqual(["bq.dataset_id", "bq.project_id", "intercom.entities.1"]);
    expect(res.text).not.toContain(token);
    const notJson = await post(server.url, "{not json");
    expect(notJson.status).toBe(400);
    const empty = await post(server.url, {});
    expect(empty.status).toBe(400);
    expect((empty.json.error as { issues: unknown[] }).issues).toHaveLength(2);
    expect(bq.tables(PROJECT, "not-valid")).toEqual([]);
  });

  it("a wrong Intercom token fails with 401 before anything is created in BigQuery", async () => {
    const wrong = fakeToken();
    const res = await post(server.url, body("never_created", wrong));
    expect(res.status).toBe(401);
    expect((res.json.error as { code: string }).code).toBe("auth_failed");
    expect(res.text).not.toContain(wrong);
    const datasets = await fetch(`${bq.url}/bigquery/v2/projects/${PROJECT}/datasets/never_created`);
    expect(datasets.status).toBe(404);
    expect(server.output()).not.toContain(wrong);
  });
});
