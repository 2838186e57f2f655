import { CfnOutput, Duration, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { type AuroraTarget, auroraConnection } from "../constructs/aurora.js";
import { dataBucket, grantPrefix } from "../constructs/data-bucket.js";
import { appRepository, FargateJob } from "../constructs/fargate-job.js";
import { type TaskNetwork, taskNetwork } from "../constructs/network.js";
import { acknowledge } from "../nag.js";
import { datadogOptions, placeholderSecret } from "./shared.js";

export interface IntercomAuroraStackProps extends StackProps {
  /** Image tag both tasks run (the CD workflow passes the git SHA). */
  imageTag: string;
  /** Streams the nightly run extracts and loads, one Fargate task pair per stream. */
  streams: string[];
  /** `cron(...)` fields for EventBridge Scheduler, e.g. `0 3 * * ? *`. */
  scheduleCron: string;
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
 * object. Both steps retry transient failures; anything that still fails publishes to SNS.
 * EventBridge Scheduler starts it nightly.
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
      environment: {
        S3_BUCKET: bucket.bucketName,
        S3_PREFIX: prefix,
        SYNC_MODE: "full",
        OUTPUT_FORMAT: "json",
      },
      secrets: { INTERCOM_ACCESS_TOKEN: ecs.Secret.fromSecretsManager(intercomSecret) },
      ...(datadog ? { datadog } : {}),
    });
    // streamed multipart uploads plus the incremental state object, all under the prefix; no delete
    grantPrefix(bucket, extract.taskDefinition.taskRole, prefix, [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
    ]);
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
        LOAD_MODE: "replace",
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

  private pipeline(p: {
    cluster: ecs.Cluster;
    net: TaskNetwork;
    taskSg: ec2.SecurityGroup;
    extract: FargateJob;
    load: FargateJob;
    maxConcurrency: number;
  }): sfn.StateMachine {
    const runTask = (id: string, job: FargateJob, streamVariable: string) =>
      new tasks.EcsRunTask(this, id, {
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
            environment: [{ name: streamVariable, value: sfn.JsonPath.stringAt("$.stream") }],
          },
        ],
        resultPath: sfn.JsonPath.DISCARD,
        taskTimeout: sfn.Timeout.duration(Duration.hours(2)),
      })
        .addRetry(RETRY_CAPACITY)
        .addRetry(RETRY_TASK);

    const perStream = sfn.Chain.start(runTask("Extract stream", p.extract, "INTERCOM_STREAMS")).next(
      runTask("Load stream", p.load, "LOAD_STREAMS"),
    );
    const fanOut = new sfn.Map(this, "Each stream", {
      itemsPath: sfn.JsonPath.stringAt("$.streams"),
      itemSelector: { "stream.$": "$$.Map.Item.Value" },
      maxConcurrency: p.maxConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(perStream);

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
    fanOut.addCatch(notify, { errors: ["States.ALL"], resultPath: "$.error" });

    return new sfn.StateMachine(this, "Pipeline", {
      stateMachineName: "sluice-intercom-aurora",
      definitionBody: sfn.DefinitionBody.fromChainable(fanOut.next(new sfn.Succeed(this, "Done"))),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, "PipelineLogs", { retention: logs.RetentionDays.ONE_MONTH }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }

  private schedule(props: IntercomAuroraStackProps): void {
    new scheduler.Schedule(this, "Nightly", {
      description: "sluice Intercom -> S3 -> Aurora",
      schedule: scheduler.ScheduleExpression.expression(
        `cron(${props.scheduleCron})`,
        TimeZone.of(props.scheduleTimeZone),
      ),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ streams: props.streams }),
        retryAttempts: 2,
      }),
    });
  }

  private suppressions(): void {
    acknowledge(this.stateMachine, [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecs:StopTask/DescribeTasks of the ecs:runTask.sync integration (task ARNs are only known at run time) and X-Ray trace segments, which have no resource-level permissions.",
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
