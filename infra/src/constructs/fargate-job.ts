import { Duration, RemovalPolicy, Size } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "../nag.js";

/** Datadog agent sidecar: DogStatsD on 127.0.0.1:8125 inside the task, API key from Secrets Manager. */
export interface DatadogOptions {
  apiKeySecret: secretsmanager.ISecret;
  /** `datadoghq.com` (default), `datadoghq.eu`, `us5.datadoghq.com` ... */
  site?: string;
  /** `DD_ENV` tag, e.g. `production`. */
  env?: string;
}

export interface FargateJobProps {
  /** App name under `apps/`, e.g. `fargate-extract`: names the repository, log group and container. */
  app: string;
  repository: ecr.IRepository;
  imageTag: string;
  /** Plain, non-secret configuration. */
  environment: Record<string, string>;
  /** Secret configuration, injected by ECS from Secrets Manager at task start. */
  secrets: Record<string, ecs.Secret>;
  cpu?: number;
  memoryMiB?: number;
  /** V8 old-space cap (the images' `--max-old-space-size`); keep well under `memoryMiB`. */
  heapMiB?: number;
  logRetention?: logs.RetentionDays;
  datadog?: DatadogOptions;
}

/**
 * One Sluice container as a Fargate task definition: the image from its ECR repository at a
 * pinned tag, the heap cap, a read-only root filesystem, an init process, a 30 s stop timeout,
 * secrets from Secrets Manager (never plain environment), its own log group with retention and
 * optionally the Datadog agent as a sidecar. ECS gives the execution role exactly the image
 * pull, its log group and the secrets' `GetSecretValue`; the task role starts empty.
 */
export class FargateJob extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FargateJobProps) {
    super(scope, id);
    const memoryMiB = props.memoryMiB ?? 512;
    const heapMiB = props.heapMiB ?? 160;
    if (heapMiB > memoryMiB * 0.75) {
      throw new Error(`${props.app}: heapMiB ${heapMiB} leaves too little of memoryMiB ${memoryMiB}`);
    }
    this.logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/sluice/${props.app}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      family: `sluice-${props.app}`,
      cpu: props.cpu ?? 256,
      memoryLimitMiB: memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
    });
    const dd = props.datadog;
    this.container = this.taskDefinition.addContainer("App", {
      containerName: props.app,
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
      linuxParameters: new ecs.LinuxParameters(this, "Linux", { initProcessEnabled: true }),
      environment: {
        NODE_OPTIONS: `--max-old-space-size=${heapMiB}`,
        LOG_LEVEL: "info",
        ...(dd ? datadogAppEnv(props.app, dd) : {}),
        ...props.environment,
      },
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: props.app,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(4),
      }),
    });
    if (dd) this.addDatadogAgent(props.app, dd);
    acknowledge(this.taskDefinition, [
      {
        id: "AwsSolutions-ECS2",
        reason:
          "Only non-secret settings (bucket, prefix, host, modes, heap cap) are plain environment; every secret is a `secrets` entry resolved from Secrets Manager at task start.",
      },
    ]);
    acknowledge(this.taskDefinition.obtainExecutionRole(), [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecr:GetAuthorizationToken has no resource-level permissions (AWS design); image pull, logs and secrets are scoped to this task's repository, log group and secrets.",
      },
    ]);
  }

  private addDatadogAgent(app: string, dd: DatadogOptions): void {
    this.taskDefinition.addContainer("DatadogAgent", {
      containerName: "datadog-agent",
      image: ecs.ContainerImage.fromRegistry("public.ecr.aws/datadog/agent:7"),
      // the agent only reports: the task ends when the app container exits
      essential: false,
      memoryReservationMiB: 128,
      environment: {
        ECS_FARGATE: "true",
        DD_SITE: dd.site ?? "datadoghq.com",
        DD_DOGSTATSD_NON_LOCAL_TRAFFIC: "false",
        DD_APM_ENABLED: "false",
        DD_TAGS: `service:${app}`,
      },
      secrets: { DD_API_KEY: ecs.Secret.fromSecretsManager(dd.apiKeySecret) },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: "datadog-agent",
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
    });
  }
}

/** What the app needs to send DogStatsD metrics to the sidecar (same network namespace). */
function datadogAppEnv(app: string, dd: DatadogOptions): Record<string, string> {
  return {
    DD_AGENT_HOST: "127.0.0.1",
    DD_DOGSTATSD_PORT: "8125",
    DD_SERVICE: app,
    ...(dd.env ? { DD_ENV: dd.env } : {}),
  };
}

/** An ECR repository for one app: scan on push, immutable tags except the moving `main`, last 30 images kept. */
export function appRepository(scope: Construct, app: string): ecr.Repository {
  return new ecr.Repository(scope, `${app}-repository`, {
    repositoryName: `sluice/${app}`,
    imageScanOnPush: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ description: "keep the last 30 images", maxImageCount: 30 }],
  });
}
