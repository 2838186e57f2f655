import { randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { appMain, s3rverEnv, uniqueName } from "@sluice/app-kit/testing";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { type RunOptions, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import mysql from "mysql2/promise";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addIntercomAuroraStack } from "./app.js";
import {
  ecsRunTaskSync,
  FAKE_ACCOUNT,
  FAKE_REGION,
  LocalDynamoDb,
  LocalExecutions,
  type LocalWorld,
  type Published,
  type Resources,
  snsPublish,
  stateMachineDefinition,
  type TaskRun,
  taskHandlers,
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
  /** The Task states that ran, in order (ECS, DynamoDB, SFN, SNS calls). */
  journal: string[];
  outcome: Promise<Outcome>;
}

/** The AWS account the executions share: the lock table and the executions' statuses. */
interface Account {
  dynamo: LocalDynamoDb;
  executions: LocalExecutions;
}
const newAccount = (): Account => ({
  dynamo: new LocalDynamoDb(resources),
  executions: new LocalExecutions(),
});
const executionArn = (name: string) =>
  `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT}:execution:sluice-intercom-aurora:${name}`;

let executions = 0;
/** StartExecution: every integration emulated locally, retries without their waits. */
function startExecution(
  input: Parameters<StateMachine["run"]>[0],
  world: LocalWorld,
  account: Account,
): Execution {
  const name = `local-${process.pid}-${++executions}`;
  const id = executionArn(name);
  const runs: TaskRun[] = [];
  const published: Published[] = [];
  const journal: string[] = [];
  const handlers = taskHandlers(
    definition,
    {
      "ecs:runTask.sync": (state) => ecsRunTaskSync(resources, world, runs, state),
      "sns:publish": () => snsPublish(resources, published),
      "dynamodb:putItem": account.dynamo.putItem,
      "dynamodb:getItem": account.dynamo.getItem,
      "dynamodb:deleteItem": account.dynamo.deleteItem,
      "aws-sdk:sfn:describeExecution": account.executions.describeExecution,
    },
    journal,
  );
  account.executions.status.set(id, "RUNNING");
  const run = machine.run(input, {
    overrides: {
      // the emulators return JSON (typed loosely as unknown)
      taskResourceLocalHandlers: handlers as NonNullable<
        RunOptions["overrides"]
      >["taskResourceLocalHandlers"],
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((state) => [state, 0])),
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
  const settled = outcome.then((o) => {
    account.executions.status.set(id, o.status);
    return o;
  });
  return { id, runs, published, journal, outcome: settled };
}

/** A lock item as "Acquire lock" writes it. */
const lockOf = (execution: string) => ({
  pk: { S: "intercom-aurora" },
  execution: { S: execution },
  startedAt: { S: "2024-01-01T03:00:00.000Z" },
});

describe("the synthesized Intercom pipeline, executed: input validation and the overlap guard (no task runs)", () => {
  const noTasks: LocalWorld = { endpoints: {}, secrets: {}, implicit: {}, apps: {} };

  it.each([
    ["an unknown syncMode", { streams: STREAMS, syncMode: "nightly" }],
    ["no syncMode", { streams: STREAMS }],
    ["no streams", { syncMode: "full" }],
  ])(
    "%s fails the execution with InvalidSyncMode before any task runs or the lock is taken",
    async (_, input) => {
      const execution = startExecution(input, noTasks, newAccount());
      expect(await execution.outcome).toMatchObject({ status: "FAILED", error: "InvalidSyncMode" });
      expect(execution.journal).toEqual([]);
      expect(execution.published).toEqual([]);
    },
  );

  it.each(["RUNNING", "PENDING_REDRIVE"])(
    "a lock held by a %s execution: AlreadyRunning, no task, the holder keeps its lock",
    async (status) => {
      const account = newAccount();
      const holder = executionArn("nightly");
      account.dynamo.seed(lockOf(holder));
      account.executions.status.set(holder, status);
      const execution = startExecution({ streams: STREAMS, syncMode: "full" }, noTasks, account);
      expect(await execution.outcome).toMatchObject({ status: "FAILED", error: "AlreadyRunning" });
      expect(execution.journal).toEqual(["Acquire lock", "Get lock holder", "Describe lock holder"]);
      expect(account.dynamo.items()).toEqual([lockOf(holder)]);
    },
  );

  it.each([
    ["FAILED", "FAILED"],
    ["TIMED_OUT", "TIMED_OUT"],
    ["gone from the execution history", undefined],
  ])("a lock left by an execution %s is taken over, the run goes on and releases it", async (_, status) => {
    const account = newAccount();
    const holder = executionArn("crashed");
    account.dynamo.seed(lockOf(holder));
    if (status) account.executions.status.set(holder, status);
    // no streams: the Map has nothing to run, the guard is all that happens
    const execution = startExecution({ streams: [], syncMode: "incremental" }, noTasks, account);
    expect(await execution.outcome).toEqual({ status: "SUCCEEDED" });
    expect(execution.journal).toEqual([
      "Acquire lock",
      "Get lock holder",
      "Describe lock holder",
      "Take over lock",
      "Release lock",
    ]);
    expect(account.dynamo.items()).toEqual([]);
  });
});

describe("the synthesized Intercom pipeline, executed against the simulator, s3rver and MariaDB", () => {
  let sim: IntercomSimulator;
  let s3: S3rverHandle;
  let admin: mysql.Connection;
  let bucket: string;
  let db: string;
  let account: Account;

  beforeEach(async () => {
    account = newAccount();
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
    const full = startExecution({ streams: STREAMS, syncMode: "full" }, world(), account);
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
    const incremental = startExecution({ streams: STREAMS, syncMode: "incremental" }, world(), account);
    expect(await incremental.outcome).toEqual({ status: "SUCCEEDED" });
    expectTaskPairs(incremental.runs, { syncMode: "incremental", loadMode: "upsert", loadInput: "changes" });
    await expectTablesEqualIntercom();
    expect([...full.published, ...incremental.published]).toEqual([]);
    // each run took the lock first and released it last
    for (const run of [full, incremental]) {
      expect([run.journal[0], run.journal.at(-1)]).toEqual(["Acquire lock", "Release lock"]);
    }
    expect(account.dynamo.items()).toEqual([]);
  });

  it("two executions started at once: one runs the pipeline, the other fails AlreadyRunning without a task", async () => {
    const input = { streams: STREAMS, syncMode: "full" };
    const both = [startExecution(input, world(), account), startExecution(input, world(), account)];
    const outcomes = await Promise.all(both.map((e) => e.outcome));
    expect(outcomes.map((o) => o.status).sort()).toEqual(["FAILED", "SUCCEEDED"]);
    const winner = outcomes[0]?.status === "SUCCEEDED" ? 0 : 1;
    const [ran, skipped] = [both[winner] as Execution, both[1 - winner] as Execution];
    expect(outcomes[1 - winner]).toMatchObject({ error: "AlreadyRunning" });
    expect(skipped.journal).toEqual(["Acquire lock", "Get lock holder", "Describe lock holder"]);
    expect(skipped.runs).toEqual([]);
    expectTaskPairs(ran.runs, { syncMode: "full", loadMode: "replace", loadInput: "snapshot" });
    await expectTablesEqualIntercom();
    expect(account.dynamo.items()).toEqual([]);
  });

  it("a lock left by an aborted execution is taken over: the run goes on, then releases it", async () => {
    const aborted = executionArn("aborted-by-hand");
    account.dynamo.seed(lockOf(aborted));
    account.executions.status.set(aborted, "ABORTED");
    const execution = startExecution({ streams: ["contacts"], syncMode: "full" }, world(), account);
    expect(await execution.outcome).toEqual({ status: "SUCCEEDED" });
    expect(execution.journal).toEqual([
      "Acquire lock",
      "Get lock holder",
      "Describe lock holder",
      "Take over lock",
      "Extract stream",
      "Load stream",
      "Release lock",
    ]);
    expect(await column("SELECT id FROM `{db}`.users")).toEqual(
      sim.workspace.contacts.map((c) => String(c.id)).sort(),
    );
    expect(account.dynamo.items()).toEqual([]);
  });

  it("an extract that keeps failing is retried as its Retry says, then SNS is told and the execution fails; the tables stay", async () => {
    const first = startExecution({ streams: ["contacts"], syncMode: "full" }, world(), account);
    expect(await first.outcome).toEqual({ status: "SUCCEEDED" });
    const before = await column("SELECT CONCAT(id, '@', UNIX_TIMESTAMP(updated_at)) FROM `{db}`.users");
    sim.mutate({ advanceSeconds: 3600, updateContacts: 5, addContacts: 3 });

    // the token in the secret was revoked: Intercom answers 401, the extract exits 1
    const revoked = (state: string) =>
      state === "Extract stream" ? { INTERCOM_ACCESS_TOKEN: "revoked-token" } : undefined;
    const failing = startExecution(
      { streams: ["contacts"], syncMode: "incremental" },
      world(revoked),
      account,
    );
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
    // the failed run released the lock before it reported
    expect(failing.journal.slice(-2)).toEqual(["Release lock after failure", "Notify failure"]);
    expect(account.dynamo.items()).toEqual([]);
  });
});
