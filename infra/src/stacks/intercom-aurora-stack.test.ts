import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { addIntercomAuroraStack } from "../app.js";
import { flatten, resourcesOf, synth } from "../test-support.js";

const created = synth(addIntercomAuroraStack);
const { template, json } = created;

type Container = {
  Name: string;
  Environment?: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
  ReadonlyRootFilesystem?: boolean;
};
const containers = (t: typeof json, family: string): Container[] => {
  const [, def] = resourcesOf(t, "AWS::ECS::TaskDefinition").find(
    ([, r]) => r.Properties?.Family === family,
  )!;
  return def.Properties!.ContainerDefinitions as Container[];
};
const env = (c: Container) => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
const policyOf = (t: typeof json, rolePrefix: string) =>
  resourcesOf(t, "AWS::IAM::Policy")
    .filter(([, r]) =>
      (r.Properties!.Roles as Array<{ Ref: string }>).some((x) => x.Ref.startsWith(rolePrefix)),
    )
    .flatMap(
      ([, r]) => (r.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    );
const intercomSecret = resourcesOf(json, "AWS::SecretsManager::Secret")
  .map(([id]) => id)
  .find((id) => id.startsWith("IntercomToken"));
const SECRET_NAMES = [
  "INTERCOM_ACCESS_TOKEN",
  "DB_PASSWORD",
  "DATABASE_URL",
  "DD_API_KEY",
  "AWS_SECRET_ACCESS_KEY",
];

describe("IntercomAuroraStack", () => {
  it("task roles: only the S3 calls each task makes, on the bucket prefix", () => {
    const statements = (role: string) =>
      policyOf(json, role).map((s) => ({
        actions: [s.Action].flat(),
        resource: flatten(s.Resource),
        condition: s.Condition,
      }));
    const bucket = Object.keys(json.Resources).find(
      (k) => k.startsWith("Bucket") && json.Resources[k]!.Type === "AWS::S3::Bucket",
    )!;
    expect(statements("ExtractTaskTaskRole")).toEqual([
      {
        actions: ["s3:ListBucket"],
        resource: `\${${bucket}.Arn}`,
        condition: { StringLike: { "s3:prefix": ["intercom/*", "intercom/"] } },
      },
      {
        actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        resource: `\${${bucket}.Arn}/intercom/*`,
        condition: undefined,
      },
      // a full run removes its streams' stale changes: delete on changes/ only
      {
        actions: ["s3:DeleteObject"],
        resource: `\${${bucket}.Arn}/intercom/changes/*`,
        condition: undefined,
      },
    ]);
    expect(statements("LoadTaskTaskRole").map((s) => s.actions)).toEqual([
      ["s3:ListBucket"],
      ["s3:GetObject"],
    ]);
  });

  it("execution roles: their own secret only, and no wildcard action", () => {
    const secretStatements = (role: string) =>
      policyOf(json, role).filter((s) => [s.Action].flat().includes("secretsmanager:GetSecretValue"));
    expect(secretStatements("ExtractTaskExecutionRole").map((s) => flatten(s.Resource))).toEqual([
      `\${${intercomSecret}}`,
    ]);
    const load = secretStatements("LoadTaskExecutionRole").map((s) => s.Resource);
    expect(load).toHaveLength(1);
    expect(flatten(load[0])).toMatch(/^\$\{AuroraSecretAttachment/);
    for (const role of [
      "ExtractTaskExecutionRole",
      "LoadTaskExecutionRole",
      "ExtractTaskTaskRole",
      "LoadTaskTaskRole",
    ]) {
      for (const s of policyOf(json, role)) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    }
  });

  it("containers: heap cap, read-only root, secrets from Secrets Manager, none in plain environment", () => {
    for (const family of ["sluice-fargate-extract", "sluice-fargate-load"]) {
      const [app] = containers(json, family);
      expect(app!.ReadonlyRootFilesystem).toBe(true);
      expect(env(app!).NODE_OPTIONS).toBe("--max-old-space-size=160");
      for (const name of SECRET_NAMES) expect(Object.keys(env(app!))).not.toContain(name);
    }
    // the run's mode comes from the execution (container overrides), not the task definition
    const [extract] = containers(json, "sluice-fargate-extract");
    expect(Object.keys(env(extract!))).not.toContain("SYNC_MODE");
    const [loadApp] = containers(json, "sluice-fargate-load");
    for (const name of ["LOAD_MODE", "LOAD_INPUT"]) expect(Object.keys(env(loadApp!))).not.toContain(name);
    expect(extract!.Secrets).toEqual([{ Name: "INTERCOM_ACCESS_TOKEN", ValueFrom: { Ref: intercomSecret } }]);
    const [load] = containers(json, "sluice-fargate-load");
    expect(
      load!.Secrets!.map((s) => [s.Name, flatten(s.ValueFrom).replace(/^\$\{\w+\}/, "<secret>")]),
    ).toEqual([
      ["DB_USER", "<secret>:username::"],
      ["DB_PASSWORD", "<secret>:password::"],
    ]);
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      Cpu: "256",
      Memory: "512",
      RequiresCompatibilities: ["FARGATE"],
    });
  });

  const definition = () => {
    const [, sm] = resourcesOf(json, "AWS::StepFunctions::StateMachine")[0]!;
    return JSON.parse(flatten(sm.Properties!.DefinitionString));
  };

  it("state machine: the input's syncMode picks what every task does; anything else fails before a task runs", () => {
    const def = definition();
    expect(def.StartAt).toBe("Sync mode");
    const choice = def.States["Sync mode"];
    expect(choice.Type).toBe("Choice");
    expect(choice.Choices).toEqual([
      {
        Or: [
          { Variable: "$.syncMode", IsPresent: false },
          { Variable: "$.streams", IsPresent: false },
        ],
        Next: "Invalid input",
      },
      { Variable: "$.syncMode", StringEquals: "incremental", Next: "Incremental run" },
      { Variable: "$.syncMode", StringEquals: "full", Next: "Full run" },
    ]);
    expect(choice.Default).toBe("Invalid input");
    expect(def.States["Invalid input"]).toEqual({
      Type: "Fail",
      Error: "InvalidSyncMode",
      Cause: 'The execution input needs "streams": [...] and "syncMode": "incremental" or "full"',
    });
    // incremental: the changes, upserted (with the deletions); full: the snapshot, replacing the tables
    expect(def.States["Incremental run"]).toMatchObject({
      Type: "Pass",
      Result: { syncMode: "incremental", loadMode: "upsert", loadInput: "changes" },
      ResultPath: "$.run",
      Next: "Acquire lock",
    });
    expect(def.States["Full run"]).toMatchObject({
      Type: "Pass",
      Result: { syncMode: "full", loadMode: "replace", loadInput: "snapshot" },
      ResultPath: "$.run",
      Next: "Acquire lock",
    });
  });

  it("state machine: a Map over the selected streams, extract then load per stream with the run's mode, retries, catch → SNS", () => {
    const def = definition();
    const map = def.States["Each stream"];
    expect(map.Type).toBe("Map");
    expect(map.ItemsPath).toBe("$.streams");
    expect(map.ItemSelector).toEqual({
      "stream.$": "$$.Map.Item.Value",
      "syncMode.$": "$.run.syncMode",
      "loadMode.$": "$.run.loadMode",
      "loadInput.$": "$.run.loadInput",
    });
    expect(map.MaxConcurrency).toBe(4);
    expect(map.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Release lock after failure" },
    ]);
    expect(map.Next).toBe("Release lock");
    expect(def.States["Notify failure"].Resource).toMatch(/:states:::sns:publish$/);
    const inner = map.ItemProcessor;
    expect(inner.StartAt).toBe("Extract stream");
    const extract = inner.States["Extract stream"];
    expect(extract.Resource).toMatch(/:states:::ecs:runTask\.sync$/);
    expect(extract.Next).toBe("Load stream");
    expect(extract.Parameters.Overrides.ContainerOverrides[0].Environment).toEqual([
      { Name: "INTERCOM_STREAMS", "Value.$": "$.stream" },
      { Name: "SYNC_MODE", "Value.$": "$.syncMode" },
    ]);
    expect(inner.States["Load stream"].Parameters.Overrides.ContainerOverrides[0].Environment).toEqual([
      { Name: "LOAD_STREAMS", "Value.$": "$.stream" },
      { Name: "LOAD_MODE", "Value.$": "$.loadMode" },
      { Name: "LOAD_INPUT", "Value.$": "$.loadInput" },
    ]);
    for (const name of ["Extract stream", "Load stream"]) {
      expect(inner.States[name].Retry).toEqual([
        expect.objectContaining({
          ErrorEquals: ["ECS.AmazonECSException", "ECS.ServerException"],
          MaxAttempts: 5,
        }),
        { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 60, MaxAttempts: 2, BackoffRate: 2 },
      ]);
    }
    // the whole definition, reviewed on change (logical ids appear as ${LogicalId} tokens)
    expect(def).toMatchSnapshot();
    expect(def.TimeoutSeconds).toBe(6 * 3600);
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: false }),
    });
  });

  it("overlap guard: a conditional PutItem takes the lock; a running holder fails the run AlreadyRunning, a stale one is taken over", () => {
    const def = definition();
    const table = resourcesOf(json, "AWS::DynamoDB::Table").map(([id]) => id);
    expect(table).toHaveLength(1);
    const lockKey = { pk: { S: "intercom-aurora" } };
    const item = {
      ...lockKey,
      execution: { "S.$": "$$.Execution.Id" },
      startedAt: { "S.$": "$$.Execution.StartTime" },
    };
    const conditionalFailed = "DynamoDB.ConditionalCheckFailedException";
    const acquire = def.States["Acquire lock"];
    expect(acquire.Resource).toMatch(/:states:::dynamodb:putItem$/);
    expect(acquire.Parameters).toEqual({
      TableName: `\${${table[0]}}`,
      Item: item,
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(acquire.Catch).toEqual([
      { ErrorEquals: [conditionalFailed], ResultPath: "$.lockError", Next: "Get lock holder" },
    ]);
    expect(acquire.Next).toBe("Each stream");
    expect(def.States["Get lock holder"]).toMatchObject({
      Parameters: { Key: lockKey, ConsistentRead: true },
      ResultPath: "$.lock",
      Next: "Lock still held?",
    });
    expect(def.States["Lock still held?"].Choices).toEqual([
      { Variable: "$.lock.Item", IsPresent: false, Next: "Acquire lock" },
    ]);
    const describeHolder = def.States["Describe lock holder"];
    expect(describeHolder.Resource).toMatch(/:states:::aws-sdk:sfn:describeExecution$/);
    expect(describeHolder.Parameters).toEqual({ "ExecutionArn.$": "$.lock.Item.execution.S" });
    expect(describeHolder.Catch[0]).toMatchObject({
      ErrorEquals: ["Sfn.ExecutionDoesNotExistException", "Sfn.InvalidArnException"],
      Next: "Take over lock",
    });
    expect(def.States["Lock holder running?"]).toEqual({
      Type: "Choice",
      Choices: [
        {
          Or: [
            { Variable: "$.holder.status", StringEquals: "RUNNING" },
            { Variable: "$.holder.status", StringEquals: "PENDING_REDRIVE" },
          ],
          Next: "Already running",
        },
      ],
      Default: "Take over lock",
    });
    expect(def.States["Already running"]).toMatchObject({ Type: "Fail", Error: "AlreadyRunning" });
    expect(def.States["Take over lock"]).toMatchObject({
      Parameters: {
        Item: item,
        ConditionExpression: "#execution = :stale",
        ExpressionAttributeNames: { "#execution": "execution" },
        ExpressionAttributeValues: { ":stale": { "S.$": "$.lock.Item.execution.S" } },
      },
      Catch: [{ ErrorEquals: [conditionalFailed], ResultPath: "$.lockError", Next: "Get lock holder" }],
      Next: "Each stream",
    });
    // released after success and, before the notice, after a failure: only by its holder
    for (const [name, next] of [
      ["Release lock", "Done"],
      ["Release lock after failure", "Notify failure"],
    ] as const) {
      expect(def.States[name]).toMatchObject({
        Resource: expect.stringMatching(/:states:::dynamodb:deleteItem$/),
        Parameters: {
          Key: lockKey,
          ConditionExpression: "#execution = :me",
          ExpressionAttributeValues: { ":me": { "S.$": "$$.Execution.Id" } },
        },
        Catch: [expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: "Notify failure" })],
        Next: next,
      });
    }
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: { BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] },
      DeletionPolicy: "Delete",
    });
  });

  it("state machine role: the lock table's three item calls and DescribeExecution on its own executions only", () => {
    const table = resourcesOf(json, "AWS::DynamoDB::Table")[0]![0];
    const statements = policyOf(json, "PipelineRole").map((s) => [[s.Action].flat(), flatten(s.Resource)]);
    const tableArn = `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/\${${table}}`;
    const onTable = statements.filter(([, r]) => (r as string).includes(table));
    expect(onTable).toEqual([
      [["dynamodb:PutItem"], tableArn],
      [["dynamodb:GetItem"], tableArn],
      [["dynamodb:DeleteItem"], tableArn],
    ]);
    const states = statements.filter(([a]) => (a as string[]).some((x) => x.startsWith("states:")));
    expect(states).toEqual([
      [
        ["states:DescribeExecution"],
        `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:sluice-intercom-aurora:*`,
      ],
    ]);
    expect(statements.flatMap(([a]) => a as string[]).filter((a) => a.startsWith("dynamodb:"))).toHaveLength(
      3,
    );
  });

  it("schedules: nightly incremental and weekly full refresh, in the time zone, with the streams", () => {
    const schedules = resourcesOf(json, "AWS::Scheduler::Schedule").map(([, r]) => {
      const p = r.Properties as { ScheduleExpression: string; ScheduleExpressionTimezone: string };
      const target = r.Properties!.Target as { Arn: { Ref: string }; Input: string };
      return [p.ScheduleExpression, p.ScheduleExpressionTimezone, target.Arn.Ref, JSON.parse(target.Input)];
    });
    const pipeline = resourcesOf(json, "AWS::StepFunctions::StateMachine")[0]![0];
    const streams = ["contacts", "conversations"];
    expect(schedules).toEqual([
      ["cron(0 3 * * ? *)", "UTC", pipeline, { streams, syncMode: "incremental" }],
      // Sunday 10:00: more than the 6-hour execution timeout after the nightly 03:00 start
      ["cron(0 10 ? * SUN *)", "UTC", pipeline, { streams, syncMode: "full" }],
    ]);
  });

  it("bucket encrypted, public access blocked, versioned, TLS only; log groups retained 30 days", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    const groups = resourcesOf(json, "AWS::Logs::LogGroup");
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const [, g] of groups) expect(g.Properties?.RetentionInDays).toBe(30);
  });

  it("creates Aurora MySQL Serverless v2 (scales to 0) in isolated subnets, admitting the tasks on 3306", () => {
    template.hasResourceProperties("AWS::RDS::DBCluster", {
      Engine: "aurora-mysql",
      StorageEncrypted: true,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    });
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      FromPort: 3306,
      ToPort: 3306,
      IpProtocol: "tcp",
    });
    const [load] = containers(json, "sluice-fargate-load");
    expect(flatten(env(load!).DB_HOST)).toMatch(/^\$\{Aurora\w+\.Endpoint\.Address\}$/);
  });
});

describe("IntercomAuroraStack with an imported database and the Datadog sidecar", () => {
  const endpoint = "warehouse.db.example.internal";
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:${"0".repeat(12)}:secret:${name}-AbCdEf`;
  const { json: imported } = synth(addIntercomAuroraStack, {
    dbEndpoint: endpoint,
    dbSecretArn: arn("warehouse"),
    dbName: "warehouse",
    datadogApiKeySecretArn: arn("datadog"),
    intercomScheduleTimeZone: "Europe/Lisbon",
  });

  it("creates no cluster; the load task points at the endpoint and reads the given secret", () => {
    expect(resourcesOf(imported, "AWS::RDS::DBCluster")).toEqual([]);
    const [load] = containers(imported, "sluice-fargate-load");
    expect(env(load!)).toMatchObject({ DB_HOST: endpoint, DB_NAME: "warehouse" });
    expect(load!.Secrets!.map((s) => s.ValueFrom)).toEqual([
      `${arn("warehouse")}:username::`,
      `${arn("warehouse")}:password::`,
    ]);
  });

  it("adds the Datadog agent with DD_API_KEY from Secrets Manager and points DogStatsD at it", () => {
    for (const family of ["sluice-fargate-extract", "sluice-fargate-load"]) {
      const [app, agent] = containers(imported, family);
      expect(env(app!)).toMatchObject({ DD_AGENT_HOST: "127.0.0.1", DD_DOGSTATSD_PORT: "8125" });
      expect(agent!.Name).toBe("datadog-agent");
      expect(agent!.Secrets).toEqual([{ Name: "DD_API_KEY", ValueFrom: arn("datadog") }]);
      expect(Object.keys(env(agent!))).not.toContain("DD_API_KEY");
    }
  });

  it("takes the schedules' time zone from context", () => {
    const schedules = resourcesOf(imported, "AWS::Scheduler::Schedule");
    expect(schedules).toHaveLength(2);
    for (const [, s] of schedules) expect(s.Properties!.ScheduleExpressionTimezone).toBe("Europe/Lisbon");
  });
});

describe("IntercomAuroraStack schedules from context", () => {
  const schedules = (context: Record<string, unknown>) =>
    resourcesOf(synth(addIntercomAuroraStack, context).json, "AWS::Scheduler::Schedule").map(([, r]) => [
      r.Properties!.ScheduleExpression,
      JSON.parse((r.Properties!.Target as { Input: string }).Input).syncMode,
    ]);

  it("an empty intercomFullRefreshCron schedules no full refresh; another cron moves it", () => {
    expect(schedules({ intercomFullRefreshCron: "" })).toEqual([["cron(0 3 * * ? *)", "incremental"]]);
    expect(
      schedules({ intercomScheduleCron: "30 1 ? * MON-SAT *", intercomFullRefreshCron: "30 1 ? * SUN *" }),
    ).toEqual([
      ["cron(30 1 ? * MON-SAT *)", "incremental"],
      ["cron(30 1 ? * SUN *)", "full"],
    ]);
  });
});
