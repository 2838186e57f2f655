import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { App } from "aws-cdk-lib";
import { Context } from "./context.js";
import { addNagChecks } from "./nag.js";
import { BrokerConsumerStack } from "./stacks/broker-consumer-stack.js";
import { GitHubOidcStack } from "./stacks/github-oidc-stack.js";
import { IntercomAuroraStack } from "./stacks/intercom-aurora-stack.js";
import { TelegramStack } from "./stacks/telegram-stack.js";

/** The repository root (infra/src/ → ../..): Lambda entries and the lockfile are resolved from it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** CDK feature flags the stacks rely on (also in cdk.json); set here too so tests get them. */
const FEATURE_FLAGS: Record<string, boolean> = {
  // ecs:RunTask on the exact task definition revision instead of `family:*`
  "@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy": true,
};

/** Feature flags and the cdk-nag AwsSolutions checks; call before adding stacks. */
export function prepareApp(app: App): Context {
  for (const [flag, value] of Object.entries(FEATURE_FLAGS)) {
    if (app.node.tryGetContext(flag) === undefined) app.node.setContext(flag, value);
  }
  addNagChecks(app);
  return new Context(app);
}

function datadog(ctx: Context) {
  return { ...ctx.optional("datadogApiKeySecretArn"), ...ctx.optional("datadogSite") };
}

export function addIntercomAuroraStack(app: App, ctx: Context): IntercomAuroraStack {
  return new IntercomAuroraStack(app, "SluiceIntercomAurora", {
    description: "Sluice: Intercom -> S3 -> Aurora MySQL (ECS Fargate + Step Functions)",
    imageTag: ctx.string("imageTag", "main"),
    streams: ctx.list("intercomStreams", ["contacts", "conversations"]),
    scheduleCron: ctx.string("intercomScheduleCron", "0 3 * * ? *"),
    // Sunday 10:00: the nightly run started at 03:00 has ended (executions stop after 6 hours)
    fullRefreshCron: ctx.stringOrOff("intercomFullRefreshCron", "0 10 ? * SUN *"),
    scheduleTimeZone: ctx.string("intercomScheduleTimeZone", "UTC"),
    maxConcurrency: ctx.number("intercomMaxConcurrency", 4),
    s3Prefix: ctx.string("intercomS3Prefix", "intercom/"),
    database: ctx.database(),
    natGateways: ctx.number("natGateways", 1),
    ...ctx.optional("intercomSecretArn"),
    ...datadog(ctx),
  });
}

export function addTelegramStack(app: App, ctx: Context): TelegramStack {
  return new TelegramStack(app, "SluiceTelegram", {
    description: "Sluice: Telegram webhook -> S3 raw -> daily Parquet (Lambda + HTTP API)",
    repoRoot: REPO_ROOT,
    webhookEntry: resolve(
      REPO_ROOT,
      ctx.string("telegramWebhookEntry", "apps/telegram-webhook/src/lambda.ts"),
    ),
    dailyEntry: resolve(REPO_ROOT, ctx.string("telegramDailyEntry", "apps/telegram-daily/src/lambda.ts")),
    rawPrefix: ctx.string("telegramRawPrefix", "telegram/"),
    enrichedPrefix: ctx.string("telegramEnrichedPrefix", "telegram/"),
    timeZone: ctx.string("telegramTimeZone", "America/Sao_Paulo"),
    rawExpireDays: ctx.number("telegramRawExpireDays", 400),
    ...ctx.optional("botTokenSecretArn"),
  });
}

export function addBrokerConsumerStack(app: App, ctx: Context): BrokerConsumerStack {
  return new BrokerConsumerStack(app, "SluiceBrokerConsumer", {
    description: "Sluice: Amazon MQ (ActiveMQ) -> STOMP consumer service (ECS Fargate)",
    imageTag: ctx.string("imageTag", "main"),
    queue: ctx.string("brokerQueue", "attendances"),
    sinkTable: ctx.string("brokerSinkTable", "attendances"),
    minConsumers: ctx.number("brokerMinConsumers", 1),
    maxConsumers: ctx.number("brokerMaxConsumers", 3),
    natGateways: ctx.number("natGateways", 1),
    ...ctx.optional("brokerDeadLetterQueue", "deadLetterQueue"),
    ...ctx.optional("sinkUrlSecretArn"),
    ...datadog(ctx),
  });
}

/** Only with `-c githubRepository=owner/repo` (the one setting without a sensible default). */
export function addGitHubOidcStack(app: App, ctx: Context): GitHubOidcStack | undefined {
  const repository = ctx.string("githubRepository");
  if (!repository) return undefined;
  return new GitHubOidcStack(app, "SluiceGitHubOidc", {
    description: "Sluice: the role GitHub Actions assumes through OIDC to push images and cdk deploy",
    repository,
    environment: ctx.string("githubEnvironment", "production"),
    bootstrapQualifier: ctx.string("@aws-cdk/core:bootstrapQualifier", "hnb659fds"),
    ...ctx.optional("githubOidcProviderArn", "providerArn"),
  });
}

/** Every Sluice stack, configured from the app's context. */
export function addSluiceStacks(app: App) {
  const ctx = prepareApp(app);
  return {
    intercomAurora: addIntercomAuroraStack(app, ctx),
    telegram: addTelegramStack(app, ctx),
    brokerConsumer: addBrokerConsumerStack(app, ctx),
    githubOidc: addGitHubOidcStack(app, ctx),
  };
}
