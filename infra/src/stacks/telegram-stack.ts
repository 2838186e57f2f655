import { CfnOutput, Duration, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { dataBucket, grantPrefix } from "../constructs/data-bucket.js";
import { nodeLambda } from "../constructs/node-lambda.js";
import { acknowledge } from "../nag.js";
import { placeholderSecret } from "./shared.js";

export interface TelegramStackProps extends StackProps {
  repoRoot: string;
  /** Handler entries (TypeScript); a missing one synthesises as a stub, with a warning. */
  webhookEntry: string;
  dailyEntry: string;
  rawPrefix: string;
  enrichedPrefix: string;
  /** Partition days and the daily schedule are in this zone. */
  timeZone: string;
  /** Raw updates move to Standard-IA after 30 days and expire after this many days (0: never; default 400). */
  rawExpireDays: number;
  /** Existing secret holding the bot token; unset: a secret is created for you to fill. */
  botTokenSecretArn?: string;
}

/**
 * Telegram bot → S3: the webhook (HTTP API → Lambda) stores each update untouched in the
 * `-raw` bucket by day; at midnight (America/Sao_Paulo by default) EventBridge Scheduler runs
 * the daily Lambda, which writes yesterday's Parquet file to the `-enriched` bucket.
 *
 * The webhook gets its secret token by ARN only (`TELEGRAM_SECRET_TOKEN_SECRET_ARN`) and reads
 * it from Secrets Manager at cold start, so no secret is ever in a function's configuration. The
 * bot token is read only by the operator's `set-webhook` / `get-webhook-info` commands, never by
 * a Lambda. A run the scheduler cannot deliver, or that still fails after the Lambda's async
 * retries, lands in the `DailyDeadLetterQueue`.
 */
export class TelegramStack extends Stack {
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: TelegramStackProps) {
    super(scope, id, props);
    const raw = dataBucket(this, "RawBucket", {
      infrequentAccessAfterDays: 30,
      ...(props.rawExpireDays > 0 ? { expireAfterDays: props.rawExpireDays } : {}),
    });
    const enriched = dataBucket(this, "EnrichedBucket");
    const secretToken = new secretsmanager.Secret(this, "WebhookSecretToken", {
      secretName: "sluice/telegram-webhook-secret-token",
      description: "X-Telegram-Bot-Api-Secret-Token the webhook checks (set on the bot with setWebhook)",
      // Telegram allows A-Z, a-z, 0-9, _ and - in secret_token (1-256 characters)
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(secretToken, [
      {
        id: "AwsSolutions-SMG4",
        reason:
          "Rotating it means calling setWebhook with the new value at the same moment; done by hand with the webhook app's set-webhook command.",
      },
    ]);
    const botToken = props.botTokenSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, "BotToken", props.botTokenSecretArn)
      : placeholderSecret(
          this,
          "BotToken",
          "sluice/telegram-bot-token",
          "Telegram bot token from @BotFather",
        );

    const webhook = nodeLambda(this, "Webhook", {
      entry: props.webhookEntry,
      repoRoot: props.repoRoot,
      description: "sluice Telegram webhook: update -> raw bucket",
      memoryMiB: 256,
      timeout: Duration.seconds(10),
      environment: {
        RAW_BUCKET: raw.bucketName,
        RAW_PREFIX: props.rawPrefix,
        PARTITION_TZ: props.timeZone,
        TELEGRAM_SECRET_TOKEN_SECRET_ARN: secretToken.secretArn,
      },
    });
    secretToken.grantRead(webhook);
    grantPrefix(raw, webhook.role!, props.rawPrefix, ["s3:PutObject"]);

    const daily = nodeLambda(this, "Daily", {
      entry: props.dailyEntry,
      repoRoot: props.repoRoot,
      description: "sluice Telegram daily: raw day -> enriched Parquet",
      memoryMiB: 1024,
      timeout: Duration.minutes(15),
      environment: {
        RAW_BUCKET: raw.bucketName,
        RAW_PREFIX: props.rawPrefix,
        ENRICHED_BUCKET: enriched.bucketName,
        ENRICHED_PREFIX: props.enrichedPrefix,
        PARTITION_TZ: props.timeZone,
      },
    });
    grantPrefix(raw, daily.role!, props.rawPrefix, ["s3:GetObject"]);
    grantPrefix(enriched, daily.role!, props.enrichedPrefix, ["s3:PutObject", "s3:AbortMultipartUpload"]);

    this.api = this.httpApi(webhook);
    new CfnOutput(this, "WebhookUrl", { value: `${this.api.apiEndpoint}/telegram/webhook` });
    new CfnOutput(this, "RawBucketName", { value: raw.bucketName });
    new CfnOutput(this, "EnrichedBucketName", { value: enriched.bucketName });
    const dlq = this.deadLetterQueue();
    this.schedule(daily, dlq, props.timeZone);
    new CfnOutput(this, "WebhookSecretTokenArn", { value: secretToken.secretArn });
    new CfnOutput(this, "BotTokenSecretArn", { value: botToken.secretArn });
    new CfnOutput(this, "DailyDeadLetterQueueUrl", { value: dlq.queueUrl });
  }

  /** Standard (not FIFO: Scheduler's DLQ must be standard) queue, SSE-SQS, TLS only, 14 days. */
  private deadLetterQueue(): sqs.Queue {
    const dlq = new sqs.Queue(this, "DailyDeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(dlq, [
      { id: "AwsSolutions-SQS3", reason: "This queue is itself the dead-letter queue of the daily run." },
    ]);
    return dlq;
  }

  /**
   * 00:00 in `timeZone`, flexible window off, the scheduled time as input (the day that just
   * ended is computed from it, so a retry processes the same day). Delivery: 3 retries within
   * 2 h, then the DLQ; function errors: the Lambda's 2 async retries within 6 h, then the DLQ.
   */
  private schedule(daily: lambda.Function, dlq: sqs.IQueue, timeZone: string): void {
    daily.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(dlq),
    });
    new scheduler.Schedule(this, "Midnight", {
      description: "sluice Telegram daily enrichment (the day that just ended)",
      schedule: scheduler.ScheduleExpression.expression("cron(0 0 * * ? *)", TimeZone.of(timeZone)),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(daily, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: dlq,
      }),
    });
    const dailyId = this.getLogicalId(daily.node.defaultChild as lambda.CfnFunction);
    acknowledge(this, [
      {
        id: `AwsSolutions-IAM5[Resource::<${dailyId}.Arn>:*]`,
        reason: "The scheduler role may invoke the daily function and its versions/aliases only.",
      },
    ]);
  }

  private httpApi(webhook: lambda.IFunction): apigw.HttpApi {
    const api = new apigw.HttpApi(this, "WebhookApi", {
      apiName: "sluice-telegram",
      createDefaultStage: false,
    });
    api.addRoutes({
      path: "/telegram/webhook",
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration("Webhook", webhook),
    });
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", { retention: logs.RetentionDays.ONE_MONTH });
    api.addStage("Stage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    acknowledge(api, [
      {
        id: "AwsSolutions-APIG4",
        reason:
          "Telegram cannot sign requests; the webhook authenticates every call by the X-Telegram-Bot-Api-Secret-Token header (constant-time compare) and answers 401 otherwise.",
      },
    ]);
    return api;
  }
}
