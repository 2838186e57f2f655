/**
 * Test support: runs a synthesized state machine locally (aws-local-stepfunctions) with its
 * service integrations emulated. CloudFormation tokens of the template become plausible literal
 * values of one fake account; `ecs:runTask.sync` runs the real built app of the task definition's
 * container as a child process, with the variables ECS would give it (the task definition's
 * environment and secrets, then the execution's container overrides), the cloud's endpoints
 * swapped for local ones. Not deployed: only tests import it.
 */
import { createHash } from "node:crypto";
import { baseEnv, runApp } from "@sluice/app-kit/testing";

export const FAKE_REGION = "us-east-1";
export const FAKE_ACCOUNT = "123456789012";

type Resource = { Type: string; Properties?: Record<string, unknown> };
export type Resources = Record<string, Resource>;

const short = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 17);
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${resource}`;

function named(r: Resource, prop: string, logicalId: string): string {
  const v = r.Properties?.[prop];
  return typeof v === "string" ? v : logicalId;
}

/** What `Ref` returns for a resource of the template, as CloudFormation would in the fake account. */
function refValue(logicalId: string, resources: Resources): string {
  const pseudo: Record<string, string> = {
    "AWS::Partition": "aws",
    "AWS::Region": FAKE_REGION,
    "AWS::AccountId": FAKE_ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
  };
  if (pseudo[logicalId]) return pseudo[logicalId];
  const r = resources[logicalId];
  if (!r) throw new Error(`Ref to ${logicalId}: not in the template`);
  switch (r.Type) {
    case "AWS::SNS::Topic":
      return arn("sns", named(r, "TopicName", logicalId));
    case "AWS::S3::Bucket":
      return named(r, "BucketName", logicalId).toLowerCase();
    case "AWS::EC2::Subnet":
      return `subnet-${short(logicalId)}`;
    case "AWS::SecretsManager::Secret":
    case "AWS::SecretsManager::SecretTargetAttachment":
      return arn("secretsmanager", `secret:${logicalId}`);
    case "AWS::DynamoDB::Table":
      return named(r, "TableName", logicalId);
    case "AWS::ECS::Cluster":
      return named(r, "ClusterName", logicalId);
    case "AWS::StepFunctions::StateMachine":
      return arn("states", `stateMachine:${named(r, "StateMachineName", logicalId)}`);
    default:
      throw new Error(`Ref to ${logicalId}: no plausible value for a ${r.Type}`);
  }
}

/** What `Fn::GetAtt` returns, as CloudFormation would in the fake account. */
function getAttValue(logicalId: string, attr: string, resources: Resources): string {
  const r = resources[logicalId];
  if (!r) throw new Error(`GetAtt of ${logicalId}: not in the template`);
  const key = `${r.Type}.${attr}`;
  switch (key) {
    case "AWS::ECS::Cluster.Arn":
      return arn("ecs", `cluster/${refValue(logicalId, resources)}`);
    case "AWS::DynamoDB::Table.Arn":
      return arn("dynamodb", `table/${refValue(logicalId, resources)}`);
    case "AWS::EC2::SecurityGroup.GroupId":
      return `sg-${short(logicalId)}`;
    case "AWS::RDS::DBCluster.Endpoint.Address":
      // a reserved name (RFC 2606), never an AWS endpoint: the emulated tasks get MariaDB instead
      return `${logicalId.toLowerCase()}.cluster-${short(logicalId)}.invalid`;
    case "AWS::RDS::DBCluster.Endpoint.Port":
      return "3306";
    default:
      throw new Error(`GetAtt ${logicalId}.${attr}: no plausible value for ${key}`);
  }
}

/** A template value with every token (Ref, Fn::GetAtt, Fn::Join) replaced by its literal value. */
export function resolveTokens(value: unknown, resources: Resources): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, resources));
  if (!value || typeof value !== "object") return value;
  const v = value as Record<string, unknown>;
  if ("Ref" in v) return refValue(v.Ref as string, resources);
  if ("Fn::GetAtt" in v) {
    const [id, attr] = v["Fn::GetAtt"] as [string, string];
    return getAttValue(id, attr, resources);
  }
  if ("Fn::Join" in v) {
    const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map((p) => String(resolveTokens(p, resources))).join(sep);
  }
  const keys = Object.keys(v);
  if (keys.some((k) => k.startsWith("Fn::"))) throw new Error(`unsupported intrinsic ${keys.join(",")}`);
  return Object.fromEntries(keys.map((k) => [k, resolveTokens(v[k], resources)]));
}

/** The ASL of the template's one state machine, its tokens resolved (it parses as JSON). */
export function stateMachineDefinition(resources: Resources): Record<string, unknown> {
  const machines = Object.values(resources).filter((r) => r.Type === "AWS::StepFunctions::StateMachine");
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const definition = resolveTokens(machines[0]?.Properties?.DefinitionString, resources);
  return JSON.parse(definition as string) as Record<string, unknown>;
}

/** An error as Step Functions reports it (the `name` is what Retry/Catch match). */
export class StatesError extends Error {
  constructor(name: string, cause: unknown) {
    super(typeof cause === "string" ? cause : JSON.stringify(cause));
    this.name = name;
  }
}

export interface TaskRun {
  /** The state that ran the task ("Extract stream"). */
  state: string;
  container: string;
  /** The container's environment (local endpoints swapped in, secrets included). */
  env: Record<string, string>;
  code: number | null;
  lastLine: string;
  started: number;
  ended: number;
}

/** How the cloud maps to this machine. */
export interface LocalWorld {
  /** Variables whose template value names a cloud resource (bucket, database host ...): their local value. */
  endpoints: Record<string, string>;
  /** Secrets of the task definitions (by variable name): their local value. */
  secrets: Record<string, string>;
  /** Variables the cloud supplies implicitly (S3 endpoint and credentials, the Intercom URL). */
  implicit: Record<string, string>;
  /** The built entry point of each container (`appMain(name)`). */
  apps: Record<string, string>;
  /** Last word on a task's variables (fault injection): a patch, or undefined. */
  patch?: (state: string, env: Record<string, string>) => Record<string, string> | undefined;
}

interface RunTaskParameters {
  Cluster: string;
  TaskDefinition: string;
  LaunchType?: string;
  Overrides?: {
    ContainerOverrides?: Array<{ Name: string; Environment?: Array<{ Name: string; Value: string }> }>;
  };
}

type ContainerDefinition = {
  Name: string;
  Environment?: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
};

function taskDefinition(resources: Resources, family: string) {
  const def = Object.values(resources).find(
    (r) =>
      r.Type === "AWS::ECS::TaskDefinition" && r.Properties?.Family === family.replace(/^.*\/|:\d+$/g, ""),
  );
  if (!def) throw new StatesError("ECS.InvalidParameterException", `no task definition ${family}`);
  return def.Properties as { Family: string; ContainerDefinitions: ContainerDefinition[] };
}

/** The container's variables as ECS sets them: task definition, secrets, overrides; then localised. */
function containerEnv(
  resources: Resources,
  world: LocalWorld,
  container: ContainerDefinition,
  overrides: Array<{ Name: string; Value: string }>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.Environment ?? []) {
    const cloud = String(resolveTokens(e.Value, resources));
    env[e.Name] = world.endpoints[e.Name] ?? cloud;
  }
  for (const s of container.Secrets ?? []) {
    const local = world.secrets[s.Name];
    if (local === undefined) throw new Error(`no local value for the secret ${s.Name}`);
    env[s.Name] = local;
  }
  for (const o of overrides) env[o.Name] = o.Value;
  return { ...env, ...world.implicit };
}

/**
 * A local handler for an `ecs:runTask.sync` Task state: starts the container's real app, waits
 * for it to exit; a non-zero exit fails the state with States.TaskFailed, as Step Functions
 * reports a task whose essential container exited non-zero.
 */
export function ecsRunTaskSync(resources: Resources, world: LocalWorld, runs: TaskRun[], state: string) {
  const cluster = String(resolveTokens({ "Fn::GetAtt": [clusterId(resources), "Arn"] }, resources));
  return async (input: unknown) => {
    const p = input as RunTaskParameters;
    if (p.Cluster !== cluster) throw new StatesError("ECS.ClusterNotFoundException", p.Cluster);
    if (p.LaunchType !== "FARGATE") throw new StatesError("ECS.InvalidParameterException", "launch type");
    const def = taskDefinition(resources, p.TaskDefinition);
    const override = p.Overrides?.ContainerOverrides?.[0];
    const container = def.ContainerDefinitions.find((c) => c.Name === (override?.Name ?? c.Name));
    if (!container) throw new StatesError("ECS.InvalidParameterException", `no container ${override?.Name}`);
    const env = containerEnv(resources, world, container, override?.Environment ?? []);
    Object.assign(env, world.patch?.(state, env));
    const main = world.apps[container.Name];
    if (!main) throw new Error(`no local app for the container ${container.Name}`);
    const started = Date.now();
    const r = await runApp(main, baseEnv(env));
    runs.push({
      state,
      container: container.Name,
      env,
      code: r.code,
      lastLine: r.lastLine,
      started,
      ended: Date.now(),
    });
    const task = {
      ClusterArn: cluster,
      TaskDefinitionArn: arn("ecs", `task-definition/${def.Family}:1`),
      LastStatus: "STOPPED",
      StopCode: "EssentialContainerExited",
      Containers: [{ Name: container.Name, ExitCode: r.code, LastStatus: "STOPPED" }],
    };
    if (r.code !== 0) throw new StatesError("States.TaskFailed", task);
    return task;
  };
}

function clusterId(resources: Resources): string {
  const ids = Object.keys(resources).filter((id) => resources[id]?.Type === "AWS::ECS::Cluster");
  if (ids.length !== 1) throw new Error(`expected one ECS cluster, found ${ids.length}`);
  return ids[0] as string;
}

export interface Published {
  TopicArn: string;
  Subject?: string;
  Message: unknown;
}

/** A local handler for an `sns:publish` Task state: records the message. */
export function snsPublish(resources: Resources, published: Published[]) {
  const topics = Object.keys(resources)
    .filter((id) => resources[id]?.Type === "AWS::SNS::Topic")
    .map((id) => refValue(id, resources));
  return async (input: unknown) => {
    const p = input as Published;
    if (!topics.includes(p.TopicArn)) throw new StatesError("SNS.NotFoundException", p.TopicArn);
    published.push(p);
    return { MessageId: `local-${published.length}` };
  };
}

type Handler = (input: unknown) => Promise<unknown>;
type StateDef = {
  Type: string;
  Resource?: string;
  ItemProcessor?: { States: Record<string, StateDef> };
  Iterator?: { States: Record<string, StateDef> };
  Branches?: Array<{ States: Record<string, StateDef> }>;
};

/**
 * A local handler for every Task state of the definition (nested ones included), chosen by its
 * Resource; each call is journaled (state names, in order). A Task whose integration has no
 * emulator throws here, so a new integration cannot go untested.
 */
export function taskHandlers(
  definition: Record<string, unknown>,
  byResource: Record<string, (state: string) => Handler>,
  journal: string[],
): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  const visit = (states: Record<string, StateDef>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === "Task") {
        const make = byResource[s.Resource?.replace(/^arn:aws:states:::/, "") ?? ""];
        if (!make) throw new Error(`no local emulator for ${name} (${s.Resource})`);
        const handler = make(name);
        handlers[name] = (input) => {
          journal.push(name);
          return handler(input);
        };
      }
      const nested = s.ItemProcessor ?? s.Iterator;
      if (nested) visit(nested.States);
      for (const b of s.Branches ?? []) visit(b.States);
    }
  };
  visit(definition.States as Record<string, StateDef>);
  return handlers;
}

export type AttributeValue = { S: string } | { N: string } | { BOOL: boolean };
export type Item = Record<string, AttributeValue>;

interface ItemRequest {
  TableName: string;
  Item?: Item;
  Key?: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** `attribute_not_exists(a)`, `attribute_exists(a)`, `a = :v` (a may be a `#name`): what the guard uses. */
function conditionHolds(r: ItemRequest, item: Item | undefined): boolean {
  const expr = r.ConditionExpression;
  if (expr === undefined) return true;
  const name = (n: string) => (n.startsWith("#") ? (r.ExpressionAttributeNames?.[n] ?? "?") : n);
  const exists = /^attribute_(not_)?exists\(\s*([#\w]+)\s*\)$/.exec(expr.trim());
  if (exists) return (item?.[name(exists[2] as string)] === undefined) === (exists[1] !== undefined);
  const equals = /^([#\w]+)\s*=\s*(:\w+)$/.exec(expr.trim());
  if (equals) {
    const actual = item?.[name(equals[1] as string)];
    const expected = r.ExpressionAttributeValues?.[equals[2] as string];
    if (expected === undefined)
      throw new StatesError("DynamoDB.ValidationException", `no value ${equals[2]}`);
    return actual !== undefined && JSON.stringify(actual) === JSON.stringify(expected);
  }
  throw new Error(`the local DynamoDB does not evaluate ${expr}`);
}

/** The template's DynamoDB tables in memory: PutItem, GetItem, DeleteItem with their conditions. */
export class LocalDynamoDb {
  private readonly tables = new Map<string, { hash: string; items: Map<string, Item> }>();

  constructor(resources: Resources) {
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== "AWS::DynamoDB::Table") continue;
      const schema = r.Properties?.KeySchema as Array<{ AttributeName: string; KeyType: string }>;
      const hash = schema.find((k) => k.KeyType === "HASH")?.AttributeName as string;
      this.tables.set(refValue(id, resources), { hash, items: new Map() });
    }
  }

  /** The items of the template's only table (or of `name`). */
  items(name?: string): Item[] {
    return [...this.table(name ?? ([...this.tables.keys()][0] as string)).items.values()];
  }

  /** Writes an item directly (a test's fixture, e.g. a lock left behind). */
  seed(item: Item, name?: string): void {
    const t = this.table(name ?? ([...this.tables.keys()][0] as string));
    t.items.set(JSON.stringify(item[t.hash]), item);
  }

  private table(name: string) {
    const t = this.tables.get(name);
    if (!t) throw new StatesError("DynamoDB.ResourceNotFoundException", `no table ${name}`);
    return t;
  }

  private locate(r: ItemRequest, source: Item | undefined) {
    const t = this.table(r.TableName);
    const key = JSON.stringify(source?.[t.hash]);
    return { t, key, current: t.items.get(key) };
  }

  private check(r: ItemRequest, current: Item | undefined): void {
    if (!conditionHolds(r, current)) {
      throw new StatesError("DynamoDB.ConditionalCheckFailedException", "The conditional request failed");
    }
  }

  readonly putItem = () => async (input: unknown) => {
    const r = input as ItemRequest;
    const { t, key, current } = this.locate(r, r.Item);
    this.check(r, current);
    t.items.set(key, r.Item as Item);
    return {};
  };

  readonly getItem = () => async (input: unknown) => {
    const r = input as ItemRequest;
    const { current } = this.locate(r, r.Key);
    return current ? { Item: current } : {};
  };

  readonly deleteItem = () => async (input: unknown) => {
    const r = input as ItemRequest;
    const { t, key, current } = this.locate(r, r.Key);
    this.check(r, current);
    t.items.delete(key);
    return {};
  };
}

/** Executions of the state machine by id, and their status: the SDK integration sfn:describeExecution. */
export class LocalExecutions {
  readonly status = new Map<string, string>();

  readonly describeExecution = () => async (input: unknown) => {
    const arnIn = (input as { ExecutionArn: string }).ExecutionArn;
    if (!/^arn:aws:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/.test(arnIn)) {
      throw new StatesError("Sfn.InvalidArnException", `Invalid Arn: '${arnIn}'`);
    }
    const status = this.status.get(arnIn);
    if (!status)
      throw new StatesError("Sfn.ExecutionDoesNotExistException", `Execution Does Not Exist: '${arnIn}'`);
    return { ExecutionArn: arnIn, Status: status };
  };
}
