import { CfnOutput, Duration, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type { CfnBucket, IBucket } from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { type AuroraTarget, auroraConnection } from "../constructs/aurora.js";
import { dataBucket, grantPrefix } from "../constructs/data-bucket.js";
import { ExecutionLock } from "../constructs/execution-lock.js";
import { appRepository, FargateJob } from "../constructs/fargate-job.js";
import { type TaskNetwork, taskNetwork } from "../constructs/network.js";
import { acknowledge } from "../nag.js";
import { datadogOptions, placeholderSecret } from "./shared.js";

export interface IntercomAuroraStackProps extends StackProps {
  /** Image tag both tasks run (the CD workflow passes the git SHA). */
  imageTag: string;
  /** Streams the nightly run extracts and loads, one Fargate task pair per stream. */
  streams: string[];
  /** `cron(...)` fields of the nightly incremental run (EventBridge Scheduler), e.g. `0 3 * * ? *`. */
  scheduleCron: string;
  /**
   * `cron(...)` fields of the weekly full refresh, e.g. `0 10 ? * SUN *`; unset: no full
   * refresh is scheduled. Keep it apart from the nightly run (an execution ends within 6 hours):
   * a run that starts while another is running fails `AlreadyRunning` (the overlap guard).
   */
  fullRefreshCron?: string | undefined;
  /** Time zone of both schedules. */
  scheduleTimeZone: string;
  /** Parallel stream tasks at most (they share one Intercom rate limit). */
  maxConcurrency: number;
  s3Prefix: string;
  /** Existing secret with the Intercom access token (plain string); unset: a secret is created for you to fill. */
  intercomSecretArn?: string;
  database: AuroraTarget;
  natGateways: number;
  /** Secrets Manager ARN of a Datadog API key: adds the agent sidecar to both tasks. */
  datadogApiKeySecretArn?: string;
  datadogSite?: string;
}

/**
 * Intercom → S3 → Aurora MySQL. A Step Functions state machine fans out one extract task per
 * stream (a Map state); each stream's load starts as soon as its own extract has written the
 * object. The execution input's `syncMode` picks incremental (changes, upserted) or full
 * (snapshot, replaced) for every task. A DynamoDB lock keeps executions from overlapping. Both
 * steps retry transient failures; anything that still fails publishes to SNS. EventBridge Scheduler starts it nightly (incremental) and weekly (full).
 */
export class IntercomAuroraStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly failureTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: IntercomAuroraStackProps) {
    super(scope, id, props);
    const net = taskNetwork(this, props.natGateways);
    const bucket = dataBucket(this, "Bucket");
    const db = auroraConnection(this, net.vpc, props.database);
    const intercomSecret = props.intercomSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, "IntercomToken", props.intercomSecretArn)
      : placeholderSecret(
          this,
          "IntercomToken",
          "sluice/intercom-token",
          "Intercom access token (plain string)",
        );
    const datadog = datadogOptions(this, props.datadogApiKeySecretArn, props.datadogSite);
    const prefix = props.s3Prefix;

    const extract = new FargateJob(this, "Extract", {
      app: "fargate-extract",
      repository: appRepository(this, "fargate-extract"),
      imageTag: props.imageTag,
      // SYNC_MODE (and the load's LOAD_MODE/LOAD_INPUT) come from the execution, per run
      environment: { S3_BUCKET: bucket.bucketName, S3_PREFIX: prefix, OUTPUT_FORMAT: "json" },
      secrets: { INTERCOM_ACCESS_TOKEN: ecs.Secret.fromSecretsManager(intercomSecret) },
      ...(datadog ? { datadog } : {}),
    });
    // streamed multipart uploads plus the per-stream state objects, all under the prefix
    grantPrefix(bucket, extract.taskDefinition.taskRole, prefix, [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
    ]);
    this.grantRemoveChanges(bucket, extract.taskDefinition.taskRole, prefix);
    const load = new FargateJob(this, "Load", {
      app: "fargate-load",
      repository: appRepository(this, "fargate-load"),
      imageTag: props.imageTag,
      environment: {
        S3_BUCKET: bucket.bucketName,
        S3_PREFIX: prefix,
        DB_HOST: db.host,
        DB_PORT: db.port,
        DB_NAME: db.databaseName,
        INPUT_FORMAT: "json",
      },
      secrets: {
        DB_USER: ecs.Secret.fromSecretsManager(db.secret, "username"),
        DB_PASSWORD: ecs.Secret.fromSecretsManager(db.secret, "password"),
      },
      ...(datadog ? { datadog } : {}),
    });
    grantPrefix(bucket, load.taskDefinition.taskRole, prefix, ["s3:GetObject"]);

    const cluster = new ecs.Cluster(this, "Cluster", {
      clusterName: "sluice-intercom",
      vpc: net.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const taskSg = new ec2.SecurityGroup(this, "TaskSecurityGroup", {
      vpc: net.vpc,
      description: "sluice Intercom tasks: egress only",
    });
    db.allowFrom(taskSg);

    this.failureTopic = new sns.Topic(this, "Failures", {
      displayName: "sluice Intercom pipeline failures",
      enforceSSL: true,
    });
    this.stateMachine = this.pipeline({
      cluster,
      net,
      taskSg,
      extract,
      load,
      maxConcurrency: props.maxConcurrency,
    });
    this.schedule(props);
    this.suppressions();
    new CfnOutput(this, "PipelineArn", { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, "FailureTopicArn", { value: this.failureTopic.topicArn });
    new CfnOutput(this, "BucketName", { value: bucket.bucketName });
  }

  private pipeline(p: PipelineParts): sfn.StateMachine {
    const perStream = sfn.Chain.start(
      this.ecsTask(p, "Extract stream", p.extract, {
        INTERCOM_STREAMS: "$.stream",
        SYNC_MODE: "$.syncMode",
      }),
    ).next(
      this.ecsTask(p, "Load stream", p.load, {
        LOAD_STREAMS: "$.stream",
        LOAD_MODE: "$.loadMode",
        LOAD_INPUT: "$.loadInput",
      }),
    );
    const fanOut = new sfn.Map(this, "Each stream", {
      itemsPath: sfn.JsonPath.stringAt("$.streams"),
      itemSelector: {
        "stream.$": "$$.Map.Item.Value",
        "syncMode.$": "$.run.syncMode",
        "loadMode.$": "$.run.loadMode",
        "loadInput.$": "$.run.loadInput",
      },
      maxConcurrency: p.maxConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(perStream);

    // at most one execution at a time: a second one fails AlreadyRunning before any task
    const lock = new ExecutionLock(this, "Lock", {
      lockName: "intercom-aurora",
      stateMachineName: STATE_MACHINE_NAME,
    });
    const notify = new tasks.SnsPublish(this, "Notify failure", {
      topic: this.failureTopic,
      subject: "sluice: Intercom pipeline failed",
      message: sfn.TaskInput.fromObject({
        execution: sfn.JsonPath.executionId,
        error: sfn.JsonPath.stringAt("$.error.Error"),
        cause: sfn.JsonPath.stringAt("$.error.Cause"),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(
      new sfn.Fail(this, "Failed", { error: "PipelineFailed", cause: "a stream failed after its retries" }),
    );
    // a failed run releases the lock before it reports (a release that fails is reported too)
    const releaseAfterFailure = lock.release("Release lock after failure");
    releaseAfterFailure
      .addCatch(notify, { errors: ["States.ALL"], resultPath: "$.releaseError" })
      .next(notify);
    fanOut.addCatch(releaseAfterFailure, { errors: ["States.ALL"], resultPath: "$.error" });
    const release = lock.release("Release lock");
    release.addCatch(notify, { errors: ["States.ALL"], resultPath: "$.error" });
    fanOut.next(release).next(new sfn.Succeed(this, "Done"));

    return new sfn.StateMachine(this, "Pipeline", {
      stateMachineName: STATE_MACHINE_NAME,
      definitionBody: sfn.DefinitionBody.fromChainable(this.syncModeChoice(lock.acquire(fanOut))),
      timeout: PIPELINE_TIMEOUT,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, "PipelineLogs", { retention: logs.RetentionDays.ONE_MONTH }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }

  /**
   * The execution input's `syncMode` → what every task of the run does, in `$.run`:
   * incremental = extract the changes, upsert them (and the deletions); full = extract the
   * snapshot, replace the tables. Anything else fails the execution before a task starts.
   */
  private syncModeChoice(next: sfn.IChainable): sfn.Choice {
    const run = (id: string, settings: (typeof SYNC_MODES)[keyof typeof SYNC_MODES]) =>
      new sfn.Pass(this, id, { result: sfn.Result.fromObject(settings), resultPath: "$.run" }).next(next);
    const invalid = new sfn.Fail(this, "Invalid input", {
      error: "InvalidSyncMode",
      cause: 'The execution input needs "streams": [...] and "syncMode": "incremental" or "full"',
    });
    return new sfn.Choice(this, "Sync mode")
      .when(
        sfn.Condition.or(sfn.Condition.isNotPresent("$.syncMode"), sfn.Condition.isNotPresent("$.streams")),
        invalid,
      )
      .when(
        sfn.Condition.stringEquals("$.syncMode", "incremental"),
        run("Incremental run", SYNC_MODES.incremental),
      )
      .when(sfn.Condition.stringEquals("$.syncMode", "full"), run("Full run", SYNC_MODES.full))
      .otherwise(invalid);
  }

  /** One ECS task run to completion, its container's variables overridden from the Map item's paths. */
  private ecsTask(p: PipelineParts, id: string, job: FargateJob, paths: Record<string, string>) {
    return new tasks.EcsRunTask(this, id, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      cluster: p.cluster,
      taskDefinition: job.taskDefinition,
      launchTarget: new tasks.EcsFargateLaunchTarget({
        platformVersion: ecs.FargatePlatformVersion.LATEST,
      }),
      subnets: p.net.taskSubnets,
      securityGroups: [p.taskSg],
      assignPublicIp: p.net.assignPublicIp,
      containerOverrides: [
        {
          containerDefinition: job.container,
          environment: Object.entries(paths).map(([name, path]) => ({
            name,
            value: sfn.JsonPath.stringAt(path),
          })),
        },
      ],
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(Duration.hours(2)),
    })
      .addRetry(RETRY_CAPACITY)
      .addRetry(RETRY_TASK);
  }

  /** Nightly incremental run and (unless disabled) the weekly full refresh, same streams and time zone. */
  private schedule(props: IntercomAuroraStackProps): void {
    const start = (id: string, description: string, cron: string, syncMode: keyof typeof SYNC_MODES) =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(
          `cron(${cron})`,
          TimeZone.of(props.scheduleTimeZone),
        ),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ streams: props.streams, syncMode }),
          retryAttempts: 2,
        }),
      });
    start(
      "Nightly",
      "sluice Intercom -> S3 -> Aurora: incremental (changes, upserted)",
      props.scheduleCron,
      "incremental",
    );
    if (props.fullRefreshCron) {
      start(
        "WeeklyFullRefresh",
        "sluice Intercom -> S3 -> Aurora: full refresh (snapshot, tables replaced)",
        props.fullRefreshCron,
        "full",
      );
    }
  }

  /**
   * A full run removes the previous incremental run's `changes/` objects of its streams: delete
   * on exactly those keys, nothing else under the prefix (the bucket is versioned: a delete
   * leaves a marker, the object stays recoverable for 30 days).
   */
  private grantRemoveChanges(bucket: IBucket, role: iam.IRole, prefix: string): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:DeleteObject"],
        resources: [bucket.arnForObjects(`${prefix}changes/*`)],
      }),
    );
    const bucketLogicalId = this.getLogicalId(bucket.node.defaultChild as CfnBucket);
    acknowledge(role, [
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}changes/*]`,
        reason:
          "A full extract deletes the stale incremental changes of the streams it ran; their keys (changes/<object>.<ext>) follow the stream and output format, so delete is scoped to the changes/ folder of this pipeline's prefix.",
      },
    ]);
  }

  private suppressions(): void {
    acknowledge(this.stateMachine, [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecs:StopTask/DescribeTasks of the ecs:runTask.sync integration (task ARNs are only known at run time) and X-Ray trace segments, which have no resource-level permissions.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${STATE_MACHINE_NAME}:*]`,
        reason:
          "The overlap guard describes the execution holding the lock: any execution of this state machine (its id is only known at run time), DescribeExecution only.",
      },
    ]);
    acknowledge(this.failureTopic, [
      {
        id: "AwsSolutions-SNS2",
        reason:
          "Messages carry the execution id and error text only, never record data; SSE would need a customer-managed KMS key ($1/month) also granted to Step Functions.",
      },
    ]);
  }
}

interface PipelineParts {
  cluster: ecs.Cluster;
  net: TaskNetwork;
  taskSg: ec2.SecurityGroup;
  extract: FargateJob;
  load: FargateJob;
  maxConcurrency: number;
}

const STATE_MACHINE_NAME = "sluice-intercom-aurora";

/** What each task of a run does, by the execution input's `syncMode`. */
const SYNC_MODES = {
  incremental: { syncMode: "incremental", loadMode: "upsert", loadInput: "changes" },
  full: { syncMode: "full", loadMode: "replace", loadInput: "snapshot" },
} as const;

/** The longest an execution runs (both schedules are set apart by more than this). */
const PIPELINE_TIMEOUT = Duration.hours(6);

/** Retries of ECS capacity errors (no Fargate capacity, throttled RunTask). */
const RETRY_CAPACITY: sfn.RetryProps = {
  errors: ["ECS.AmazonECSException", "ECS.ServerException"],
  interval: Duration.seconds(30),
  maxAttempts: 5,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** A task that exited non-zero: retried twice; the apps leave no partial object or table behind. */
const RETRY_TASK: sfn.RetryProps = {
  errors: ["States.TaskFailed"],
  interval: Duration.minutes(1),
  maxAttempts: 2,
  backoffRate: 2,
};
