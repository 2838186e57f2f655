import { join } from "node:path";
import { baseEnv, runApp } from "@sluice/app-kit/testing";
import { type BigQuerySimulator, startBigQuerySimulator } from "@sluice/bigquery-simulator";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APP_DIST, fakeToken, PROJECT, post, startServer } from "./helpers.js";

let intercom: IntercomSimulator;
let bq: BigQuerySimulator;
const token = fakeToken();

beforeEach(async () => {
  intercom = await startSimulator({
    seed: 9,
    contacts: 120,
    companies: 20,
    conversations: 12,
    rateLimit: false,
    token,
    now: 1_763_900_000,
  });
  bq = await startBigQuerySimulator();
});
afterEach(async () => {
  await Promise.all([intercom.close(), bq.close()]);
});

const jobEnv = (extra: Record<string, string> = {}) =>
  baseEnv({
    INTERCOM_ACCESS_TOKEN: token,
    INTERCOM_API_URL: intercom.url,
    BIGQUERY_API_ENDPOINT: bq.url,
    BIGQUERY_PROJECT: PROJECT,
    BIGQUERY_DATASET: "job_ds",
    BIGQUERY_CREATE_DATASET: "true",
    ...extra,
  });

describe("intercom-bigquery job (built dist/main.js)", () => {
  it("loads the requested entities and exits 0, the token never in its output", async () => {
    const result = await runApp(
      join(APP_DIST, "main.js"),
      jobEnv({ INTERCOM_STREAMS: "users,contacts,tags" }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(bq.tables(PROJECT, "job_ds").sort()).toEqual(["_sluice_state", "contacts", "tags", "users"]);
    const leads = intercom.workspace.contacts.filter((c) => c.role === "lead").length;
    expect(bq.rows(PROJECT, "job_ds", "contacts")).toHaveLength(leads);
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  it("names every bad variable in one line and exits 1", async () => {
    const result = await runApp(
      join(APP_DIST, "main.js"),
      baseEnv({ INTERCOM_STREAMS: "users,tickets", BIGQUERY_DATASET: "bad-name", WRITE_MODE: "merge" }),
    );
    expect(result.code).toBe(1);
    for (const name of [
      "INTERCOM_ACCESS_TOKEN",
      "INTERCOM_STREAMS",
      "BIGQUERY_PROJECT",
      "BIGQUERY_DATASET",
      "WRITE_MODE",
    ]) {
      expect(result.lastLine).toContain(name);
    }
  });
});

describe("resuming an unfinished refresh", () => {
  it("a call that fails part-way keeps the finished tables; the next call refreshes only the rest", async () => {
    const server = await startServer({
      INTERCOM_API_URL: intercom.url,
      BIGQUERY_API_ENDPOINT: bq.url,
      BIGQUERY_CREATE_DATASET: "true",
    });
    try {
      const body = {
        intercom: { accessToken: token, entities: ["tags", "teams", "conversations"] },
        bq: { project_id: PROJECT, dataset_id: "resume_ds", location: "US" },
      };
      intercom.injectFaults([{ kind: "status", status: 403, count: 1, route: "GET /conversations/{id}" }]);
      const first = await post(server.url, body);
      expect(first.status).toBe(401);
      const statuses = Object.fromEntries(
        (first.json.entities as { entity: string; status: string }[]).map((e) => [e.entity, e.status]),
      );
      expect(statuses.conversations).toBe("failed");
      const finished = Object.keys(statuses).filter((e) => statuses[e] === "committed");

      expect(bq.tables(PROJECT, "resume_ds")).not.toContain("conversations");
      const second = await post(server.url, body);
      expect(second.status, second.text).toBe(200);
      // normally tags and teams finished before the failure (fewer on a slow machine)
      expect(second.json.resumed).toBe(finished.length > 0);
      expect((second.json.skipped as string[]).sort()).toEqual(finished.sort());
      expect((second.json.entities as { entity: string }[]).map((e) => e.entity)).toContain("conversations");
      expect(bq.rows(PROJECT, "resume_ds", "conversations")).toHaveLength(
        intercom.workspace.conversations.length,
      );
      const third = await post(server.url, body);
      expect(third.json.resumed).toBe(false);
      expect((third.json.entities as unknown[]).length).toBe(3);
    } finally {
      await server.stop();
    }
  });

  it("a call stopped at RUN_DEADLINE_SECONDS answers 503, keeps what it finished, and the next call completes the rest", async () => {
    // conversations need >= 600/10 × 100 ms = 6 s; the small entities about a second
    const slow = await startSimulator({
      seed: 3,
      contacts: 60,
      conversations: 600,
      maxPartsPerConversation: 3,
      rateLimit: false,
      latencyMs: 100,
      token,
      now: 1_763_900_000,
    });
    const body = {
      intercom: { accessToken: token, entities: ["conversations", "tags", "teams", "admins"] },
      bq: { project_id: PROJECT, dataset_id: "deadline_ds", location: "US" },
    };
    const env = {
      INTERCOM_API_URL: slow.url,
      BIGQUERY_API_ENDPOINT: bq.url,
      BIGQUERY_CREATE_DATASET: "true",
    };
    const hurried = await startServer({ ...env, RUN_DEADLINE_SECONDS: "4" });
    let finished: string[] = [];
    try {
      const first = await post(hurried.url, body);
      expect(first.status, first.text).toBe(503);
      expect((first.json.error as { code: string }).code).toBe("cancelled");
      expect(first.json.resume).toMatch(/call again/);
      expect(bq.tables(PROJECT, "deadline_ds")).not.toContain("conversations");
      // what finished before the deadline (normally the three small entities; fewer on a slow machine)
      const statuses = first.json.entities as { entity: string; status: string }[];
      finished = statuses.filter((e) => e.status === "committed").map((e) => e.entity);
      for (const entity of finished) expect(bq.tables(PROJECT, "deadline_ds")).toContain(entity);
    } finally {
      await hurried.stop();
    }
    const patient = await startServer(env);
    try {
      const second = await post(patient.url, body);
      expect(second.status, second.text).toBe(200);
      expect(second.json.resumed).toBe(finished.length > 0);
      expect((second.json.skipped as string[]).sort()).toEqual(finished.sort());
      expect(bq.rows(PROJECT, "deadline_ds", "conversations")).toHaveLength(600);
    } finally {
      await patient.stop();
      await slow.close();
    }
  });
});
