import { randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { appMain, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import mysql from "mysql2/promise";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addIntercomAuroraStack } from "./app.js";
import {
  ecsRunTaskSync,
  FAKE_ACCOUNT,
  FAKE_REGION,
  type LocalWorld,
  type Published,
  type Resources,
  snsPublish,
  stateMachineDefinition,
  type TaskRun,
} from "./local-execution.js";
import { synth } from "./test-support.js";

/**
 * The synthesized Intercom pipeline EXECUTED: the state machine of SluiceIntercomAurora runs in
 * aws-local-stepfunctions (which validates the ASL), its ECS tasks run the real built apps
 * (fargate-extract, fargate-load) with the variables ECS would give them, against the Intercom
 * simulator, s3rver and MariaDB; SNS publishes are recorded.
 */
const MYSQL_HOST = process.env.SLUICE_TEST_MYSQL_HOST ?? "127.0.0.1";
const MYSQL_PORT = Number(process.env.SLUICE_TEST_MYSQL_PORT ?? 3306);
const MYSQL_USER = process.env.SLUICE_TEST_MYSQL_USER ?? "root";
const STREAMS = ["contacts", "conversations"];

let resources: Resources;
let definition: Record<string, unknown>;
let machine: StateMachine;

beforeAll(() => {
  resources = synth(addIntercomAuroraStack).json.Resources as Resources;
  definition = stateMachineDefinition(resources);
  machine = new StateMachine(definition as unknown as StateMachineDefinition);
});

interface Outcome {
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  cause?: string;
}

interface Execution {
  id: string;
  runs: TaskRun[];
  published: Published[];
  outcome: Promise<Outcome>;
}

let executions = 0;
/** StartExecution: the ECS tasks and the SNS topic emulated locally, retries without their waits. */
function startExecution(input: Parameters<StateMachine["run"]>[0], world: LocalWorld): Execution {
  const name = `local-${process.pid}-${++executions}`;
  const id = `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT}:execution:sluice-intercom-aurora:${name}`;
  const runs: TaskRun[] = [];
  const published: Published[] = [];
  const handlers = {
    "Extract stream": ecsRunTaskSync(resources, world, runs, "Extract stream"),
    "Load stream": ecsRunTaskSync(resources, world, runs, "Load stream"),
    "Notify failure": snsPublish(resources, published),
  };
  const run = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: { "Extract stream": 0, "Load stream": 0 },
    },
    context: { Execution: { Id: id, Name: name } },
  });
  const outcome = run.result.then(
    (): Outcome => ({ status: "SUCCEEDED" }),
    (e: Error): Outcome => {
      const error = (e.cause as Error | undefined) ?? e;
      return { status: "FAILED", error: error.name, cause: error.message };
    },
  );
  return { id, runs, published, outcome };
}

describe("the synthesized Intercom pipeline, executed: input validation", () => {
  const noTasks: LocalWorld = { endpoints: {}, secrets: {}, implicit: {}, apps: {} };

  it.each([
    ["an unknown syncMode", { streams: STREAMS, syncMode: "nightly" }],
    ["no syncMode", { streams: STREAMS }],
    ["no streams", { syncMode: "full" }],
  ])("%s fails the execution with InvalidSyncMode before any task runs", async (_, input) => {
    const execution = startExecution(input, noTasks);
    expect(await execution.outcome).toMatchObject({ status: "FAILED", error: "InvalidSyncMode" });
    expect(execution.runs).toEqual([]);
    expect(execution.published).toEqual([]);
  });
});

describe("the synthesized Intercom pipeline, executed against the simulator, s3rver and MariaDB", () => {
  let sim: IntercomSimulator;
  let s3: S3rverHandle;
  let admin: mysql.Connection;
  let bucket: string;
  let db: string;

  beforeEach(async () => {
    [sim, s3, admin] = await Promise.all([
      startSimulator({ seed: 7, contacts: 200, conversations: 40, companies: 8, rateLimit: false }),
      startS3rver(),
      mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_USER }),
    ]);
    bucket = uniqueName("pipeline");
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    db = `sluice_sfn_${randomBytes(5).toString("hex")}`;
    await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  });
  afterEach(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await Promise.allSettled([sim?.close(), s3?.close()]);
  });

  /** The stack's bucket and database are the local ones; the secrets hold the local credentials. */
  const world = (patch?: LocalWorld["patch"]): LocalWorld => ({
    endpoints: { S3_BUCKET: bucket, DB_HOST: MYSQL_HOST, DB_PORT: String(MYSQL_PORT), DB_NAME: db },
    secrets: { INTERCOM_ACCESS_TOKEN: sim.token, DB_USER: MYSQL_USER, DB_PASSWORD: "" },
    implicit: { ...s3rverEnv(s3.endpoint), INTERCOM_API_URL: sim.url },
    apps: { "fargate-extract": appMain("fargate-extract"), "fargate-load": appMain("fargate-load") },
    ...(patch ? { patch } : {}),
  });

  async function column(sql: string): Promise<string[]> {
    const [rows] = await admin.query(sql.replaceAll("{db}", db));
    return (rows as Array<Record<string, unknown>>).map((r) => String(Object.values(r)[0])).sort();
  }

  async function expectTablesEqualIntercom(): Promise<void> {
    const contacts = sim.workspace.contacts;
    expect(await column("SELECT CONCAT(id, '@', UNIX_TIMESTAMP(updated_at)) FROM `{db}`.users")).toEqual(
      contacts.map((c) => `${c.id}@${c.updated_at}`).sort(),
    );
    const conversations = sim.workspace.conversations;
    expect(await column("SELECT id FROM `{db}`.conversation")).toEqual(
      conversations.map((c) => String(c.id)).sort(),
    );
    expect(await column("SELECT id FROM `{db}`.conversation_part")).toEqual(
      conversations.flatMap((c) => c.parts.slice(-500).map((p) => String(p.id))).sort(),
    );
  }

  /** One extract then one load per stream, each load after its own extract, with the run's modes. */
  function expectTaskPairs(runs: TaskRun[], modes: Record<string, string>): void {
    expect(runs.every((r) => r.code === 0)).toBe(true);
    for (const stream of STREAMS) {
      const extracts = runs.filter((r) => r.state === "Extract stream" && r.env.INTERCOM_STREAMS === stream);
      const loads = runs.filter((r) => r.state === "Load stream" && r.env.LOAD_STREAMS === stream);
      expect([extracts.length, loads.length]).toEqual([1, 1]);
      const [extract, load] = [extracts[0] as TaskRun, loads[0] as TaskRun];
      expect(extract.ended).toBeLessThanOrEqual(load.started);
      expect(extract.env).toMatchObject({
        SYNC_MODE: modes.syncMode,
        S3_BUCKET: bucket,
        S3_PREFIX: "intercom/",
        OUTPUT_FORMAT: "json",
        INTERCOM_ACCESS_TOKEN: sim.token,
      });
      expect(load.env).toMatchObject({
        LOAD_MODE: modes.loadMode,
        LOAD_INPUT: modes.loadInput,
        S3_BUCKET: bucket,
        S3_PREFIX: "intercom/",
        INPUT_FORMAT: "json",
        DB_NAME: db,
      });
    }
    expect(runs).toHaveLength(2 * STREAMS.length);
  }

  it("a full run, Intercom changes, then an incremental run: each stream extracted then loaded, the tables equal Intercom", async () => {
    const full = startExecution({ streams: STREAMS, syncMode: "full" }, world());
    expect(await full.outcome, JSON.stringify(full.runs.map((r) => r.lastLine))).toEqual({
      status: "SUCCEEDED",
    });
    expectTaskPairs(full.runs, { syncMode: "full", loadMode: "replace", loadInput: "snapshot" });
    await expectTablesEqualIntercom();

    sim.mutate({
      advanceSeconds: 3600,
      updateContacts: 5,
      addContacts: 3,
      deleteContacts: 2,
      mergeContacts: 1,
      updateConversations: 3,
      addParts: 4,
      deleteConversations: 2,
    });
    const incremental = startExecution({ streams: STREAMS, syncMode: "incremental" }, world());
    expect(await incremental.outcome).toEqual({ status: "SUCCEEDED" });
    expectTaskPairs(incremental.runs, { syncMode: "incremental", loadMode: "upsert", loadInput: "changes" });
    await expectTablesEqualIntercom();
    expect([...full.published, ...incremental.published]).toEqual([]);
  });

  it("an extract that keeps failing is retried as its Retry says, then SNS is told and the execution fails; the tables stay", async () => {
    const first = startExecution({ streams: ["contacts"], syncMode: "full" }, world());
    expect(await first.outcome).toEqual({ status: "SUCCEEDED" });
    const before = await column("SELECT CONCAT(id, '@', UNIX_TIMESTAMP(updated_at)) FROM `{db}`.users");
    sim.mutate({ advanceSeconds: 3600, updateContacts: 5, addContacts: 3 });

    // the token in the secret was revoked: Intercom answers 401, the extract exits 1
    const revoked = (state: string) =>
      state === "Extract stream" ? { INTERCOM_ACCESS_TOKEN: "revoked-token" } : undefined;
    const failing = startExecution({ streams: ["contacts"], syncMode: "incremental" }, world(revoked));
    expect(await failing.outcome).toMatchObject({ status: "FAILED", error: "PipelineFailed" });

    const extractState = (
      definition.States as Record<string, { ItemProcessor: { States: Record<string, unknown> } }>
    )["Each stream"]?.ItemProcessor.States["Extract stream"] as {
      Retry: Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
    };
    const taskFailed = extractState.Retry.find((r) => r.ErrorEquals.includes("States.TaskFailed"));
    expect(taskFailed?.MaxAttempts).toBe(2);
    expect(failing.runs.map((r) => [r.state, r.code])).toEqual(
      Array.from({ length: 1 + (taskFailed?.MaxAttempts ?? 0) }, () => ["Extract stream", 1]),
    );
    expect(failing.published).toHaveLength(1);
    const message = failing.published[0]?.Message as Record<string, string>;
    expect(message.execution).toBe(failing.id);
    expect(message.error).toBe("States.TaskFailed");
    expect(JSON.parse(message.cause as string)).toMatchObject({
      Containers: [{ Name: "fargate-extract", ExitCode: 1 }],
    });
    expect(await column("SELECT CONCAT(id, '@', UNIX_TIMESTAMP(updated_at)) FROM `{db}`.users")).toEqual(
      before,
    );
  });
});
