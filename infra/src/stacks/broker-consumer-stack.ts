import { CfnOutput, Duration, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as mq from "aws-cdk-lib/aws-amazonmq";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { appRepository, FargateJob } from "../constructs/fargate-job.js";
import { taskNetwork } from "../constructs/network.js";
import { acknowledge } from "../nag.js";
import { datadogOptions, placeholderSecret } from "./shared.js";

export interface BrokerConsumerStackProps extends StackProps {
  imageTag: string;
  /** The queue the consumers compete on, e.g. `attendances` (STOMP destination `/queue/attendances`). */
  queue: string;
  /** Dead-letter queue the consumer writes rejected messages to; default `<queue>.DLQ`. */
  deadLetterQueue?: string;
  sinkTable: string;
  minConsumers: number;
  maxConsumers: number;
  /** Existing secret with the sink URL (`mongodb+srv://…`, `mysql://…`); unset: created for you to fill. */
  sinkUrlSecretArn?: string;
  natGateways: number;
  datadogApiKeySecretArn?: string;
  datadogSite?: string;
}

/**
 * The STOMP consumer as an ECS service next to an Amazon MQ (ActiveMQ) broker: at least one
 * task always consumes; more join as the queue backs up (competing consumers on one queue,
 * scaled on Amazon MQ's QueueSize metric) and leave when it drains. A message in the DLQ
 * raises an alarm to SNS.
 */
export class BrokerConsumerStack extends Stack {
  readonly service: ecs.FargateService;
  readonly dlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BrokerConsumerStackProps) {
    super(scope, id, props);
    if (props.minConsumers < 1 || props.maxConsumers < props.minConsumers) {
      throw new Error(`consumers: need 1 <= min (${props.minConsumers}) <= max (${props.maxConsumers})`);
    }
    const net = taskNetwork(this, props.natGateways);
    const taskSg = new ec2.SecurityGroup(this, "ConsumerSecurityGroup", {
      vpc: net.vpc,
      description: "sluice STOMP consumer: egress only",
    });
    const broker = this.broker(net.vpc, taskSg);
    const sinkUrl = props.sinkUrlSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, "SinkUrl", props.sinkUrlSecretArn)
      : placeholderSecret(
          this,
          "SinkUrl",
          "sluice/stomp-consumer-sink-url",
          "Sink URL with credentials (mongodb+srv://, mysql://)",
        );
    const datadog = datadogOptions(this, props.datadogApiKeySecretArn, props.datadogSite);
    const dlq = props.deadLetterQueue ?? `${props.queue}.DLQ`;

    const consumer = new FargateJob(this, "Consumer", {
      app: "stomp-consumer",
      repository: appRepository(this, "stomp-consumer"),
      imageTag: props.imageTag,
      environment: {
        STOMP_URL: broker.stompUrl,
        STOMP_DESTINATION: `/queue/${props.queue}`,
        DEAD_LETTER_DESTINATION: `/queue/${dlq}`,
        SINK_TABLE: props.sinkTable,
      },
      secrets: {
        STOMP_LOGIN: ecs.Secret.fromSecretsManager(broker.secret, "username"),
        STOMP_PASSCODE: ecs.Secret.fromSecretsManager(broker.secret, "password"),
        SINK_URL: ecs.Secret.fromSecretsManager(sinkUrl),
      },
      ...(datadog ? { datadog } : {}),
    });
    const cluster = new ecs.Cluster(this, "Cluster", {
      clusterName: "sluice-broker",
      vpc: net.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.service = new ecs.FargateService(this, "Service", {
      serviceName: "sluice-stomp-consumer",
      cluster,
      taskDefinition: consumer.taskDefinition,
      desiredCount: props.minConsumers,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      vpcSubnets: net.taskSubnets,
      assignPublicIp: net.assignPublicIp,
      securityGroups: [taskSg],
    });
    this.scaleOnQueueDepth(broker.name, props);
    this.dlqAlarm = this.deadLetterAlarm(broker.name, dlq);
    new CfnOutput(this, "ServiceName", { value: this.service.serviceName });
  }

  /** An ActiveMQ broker in an isolated subnet, reachable on STOMP+TLS from the consumer only. */
  private broker(vpc: ec2.IVpc, client: ec2.ISecurityGroup) {
    const name = "sluice-broker";
    const secret = new secretsmanager.Secret(this, "BrokerUser", {
      secretName: "sluice/amazon-mq-user",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: "sluice" }),
        generateStringKey: "password",
        // Amazon MQ: 12+ characters, no commas, colons or equals signs
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    const sg = new ec2.SecurityGroup(this, "BrokerSecurityGroup", {
      vpc,
      description: "Amazon MQ: STOMP+TLS from the consumer",
      allowAllOutbound: false,
    });
    sg.addIngressRule(client, ec2.Port.tcp(61614), "STOMP+TLS from the consumer");
    const broker = new mq.CfnBroker(this, "Broker", {
      brokerName: name,
      engineType: "ACTIVEMQ",
      engineVersion: "5.18",
      hostInstanceType: "mq.t3.micro",
      deploymentMode: "SINGLE_INSTANCE",
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      subnetIds: [vpc.isolatedSubnets[0]!.subnetId],
      securityGroups: [sg.securityGroupId],
      logs: { general: true, audit: true },
      encryptionOptions: { useAwsOwnedKey: true },
      users: [
        {
          username: secret.secretValueFromJson("username").unsafeUnwrap(),
          // a CloudFormation dynamic reference, resolved by CloudFormation: never in the template
          password: secret.secretValueFromJson("password").unsafeUnwrap(),
        },
      ],
    });
    acknowledge(broker, [
      {
        id: "AwsSolutions-MQ5",
        reason:
          "One consumer group and one queue: a single-instance broker (mq.t3.micro) keeps the idle cost low; use ACTIVE_STANDBY_MULTI_AZ for production HA.",
      },
      {
        id: "AwsSolutions-MQ6",
        reason:
          "Single-instance deployment (see MQ5); consumers reconnect and redelivery is exactly-once at the sink (upsert by key).",
      },
    ]);
    acknowledge(secret, [
      {
        id: "AwsSolutions-SMG4",
        reason:
          "Amazon MQ users are updated through the broker API, not a rotation Lambda; rotate by redeploying with a new secret value.",
      },
    ]);
    return { name, secret, stompUrl: Fn.select(0, broker.attrStompEndpoints) };
  }

  private queueSize(broker: string, queue: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: "AWS/AmazonMQ",
      metricName: "QueueSize",
      dimensionsMap: { Broker: broker, Queue: queue },
      statistic: "Maximum",
      period: Duration.minutes(1),
    });
  }

  /** Step scaling on the queue's backlog: +1 task over 1,000 waiting, +2 over 10,000, -1 under 100. */
  private scaleOnQueueDepth(broker: string, props: BrokerConsumerStackProps): void {
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minConsumers,
      maxCapacity: props.maxConsumers,
    });
    scaling.scaleOnMetric("QueueDepth", {
      metric: this.queueSize(broker, props.queue),
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 100, change: -1 },
        { lower: 1_000, change: +1 },
        { lower: 10_000, change: +2 },
      ],
      cooldown: Duration.minutes(2),
    });
  }

  private deadLetterAlarm(broker: string, dlq: string): cloudwatch.Alarm {
    const topic = new sns.Topic(this, "Alarms", {
      displayName: "sluice broker consumer alarms",
      enforceSSL: true,
    });
    acknowledge(topic, [
      {
        id: "AwsSolutions-SNS2",
        reason:
          "Alarm notifications carry the alarm name and state only; SSE would need a customer-managed KMS key ($1/month) also granted to CloudWatch.",
      },
    ]);
    const alarm = new cloudwatch.Alarm(this, "DeadLetters", {
      alarmName: "sluice-stomp-consumer-dead-letters",
      alarmDescription: `Messages waiting in ${dlq}: the consumer rejected them (see its logs for the reason)`,
      metric: this.queueSize(broker, dlq),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    return alarm;
  }
}
