// biome-ignore-all lint/suspicious/noExplicitAny: synthesised CloudFormation is untyped JSON
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { addTelegramStack } from "../app.js";
import { flatten, resourcesOf, synth } from "../test-support.js";

const { template, json } = synth(addTelegramStack);
const functions = resourcesOf(json, "AWS::Lambda::Function");
const fnEnv = (prefix: string) => {
  const [, fn] = functions.find(([id]) => id.startsWith(prefix))!;
  return (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
};
const statementsOf = (rolePrefix: string) =>
  resourcesOf(json, "AWS::IAM::Policy")
    .filter(([, r]) =>
      (r.Properties!.Roles as Array<{ Ref: string }>).some((x) => x.Ref.startsWith(rolePrefix)),
    )
    .flatMap(
      ([, r]) => (r.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    )
    .map((s) => ({
      actions: [s.Action].flat() as string[],
      resource: [s.Resource].flat().map(flatten),
      condition: s.Condition as Record<string, Record<string, unknown>> | undefined,
    }));
const schedule = resourcesOf(json, "AWS::Scheduler::Schedule")[0]![1] as { Properties: Record<string, any> };

describe("TelegramStack", () => {
  it("midnight America/Sao_Paulo schedule invoking the daily function", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 0 * * ? *)",
      ScheduleExpressionTimezone: "America/Sao_Paulo",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^Daily"), "Arn"] } }),
    });
  });

  it("the scheduled time is the input; delivery retries, then a standard SSE SQS dead-letter queue", () => {
    const target = schedule.Properties.Target;
    expect(JSON.parse(target.Input)).toEqual({ scheduledTime: "<aws.scheduler.scheduled-time>" });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 });
    expect(flatten(target.DeadLetterConfig.Arn)).toMatch(/^\$\{DailyDeadLetterQueue\w+\.Arn\}$/);
    const queues = resourcesOf(json, "AWS::SQS::Queue");
    expect(queues).toHaveLength(1);
    const queue = queues[0]![1] as { Properties: any };
    expect(queue.Properties.FifoQueue).toBeUndefined();
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("a failing daily run: 2 async Lambda retries within 6 h, then the same dead-letter queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: Match.stringLikeRegexp("^Daily") },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("^DailyDeadLetterQueue"), "Arn"] },
        },
      },
    });
  });

  it("the scheduler role may only invoke the daily function and send to the dead-letter queue", () => {
    const roleIds = resourcesOf(json, "AWS::IAM::Role")
      .filter(([, r]) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument).includes("scheduler"))
      .map(([id]) => id);
    expect(roleIds).toHaveLength(1);
    const scheduler = statementsOf(roleIds[0]!);
    expect(scheduler.flatMap((s) => s.actions).sort()).toEqual(["lambda:InvokeFunction", "sqs:SendMessage"]);
    expect(scheduler.flatMap((s) => s.resource).every((r) => /^\$\{(Daily\w+\.Arn)\}(:\*)?$/.test(r))).toBe(
      true,
    );
  });

  it("two Node 22 functions; the webhook's secret by ARN only; no Lambda sees the bot token", () => {
    expect(functions.map(([, f]) => f.Properties!.Runtime)).toEqual(["nodejs22.x", "nodejs22.x"]);
    const webhook = fnEnv("Webhook");
    expect(Object.keys(webhook).sort()).toEqual(
      ["NODE_OPTIONS", "PARTITION_TZ", "RAW_BUCKET", "RAW_PREFIX", "TELEGRAM_SECRET_TOKEN_SECRET_ARN"].sort(),
    );
    expect(flatten(webhook.TELEGRAM_SECRET_TOKEN_SECRET_ARN)).toMatch(/^\$\{WebhookSecretToken\w+\}$/);
    expect(Object.keys(fnEnv("Daily")).sort()).toEqual(
      [
        "ENRICHED_BUCKET",
        "ENRICHED_PREFIX",
        "NODE_OPTIONS",
        "PARTITION_TZ",
        "RAW_BUCKET",
        "RAW_PREFIX",
      ].sort(),
    );
    for (const [, f] of functions) {
      const names = Object.keys((f.Properties!.Environment as { Variables: object }).Variables);
      expect(names).not.toContain("TELEGRAM_SECRET_TOKEN");
      expect(names.filter((n) => n.startsWith("TELEGRAM_BOT_TOKEN"))).toEqual([]);
    }
  });

  it("both secrets in Secrets Manager; only the webhook may read its secret token", () => {
    const secrets = resourcesOf(json, "AWS::SecretsManager::Secret").map(([, r]) => r.Properties!.Name);
    expect(secrets.sort()).toEqual(["sluice/telegram-bot-token", "sluice/telegram-webhook-secret-token"]);
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      Name: "sluice/telegram-webhook-secret-token",
      GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
    });
    const reads = (role: string) =>
      statementsOf(role).filter((s) => s.actions.includes("secretsmanager:GetSecretValue"));
    expect(reads("WebhookServiceRole").flatMap((s) => s.resource)).toEqual([
      expect.stringMatching(/^\$\{WebhookSecretToken\w+\}$/),
    ]);
    expect(reads("DailyServiceRole")).toEqual([]);
  });

  it("least privilege: the webhook only puts raw objects, the daily job reads raw and writes enriched", () => {
    const webhook = statementsOf("WebhookServiceRole");
    expect(webhook.find((s) => s.actions.includes("s3:PutObject"))?.resource).toEqual([
      expect.stringMatching(/^\$\{RawBucket\w+\.Arn\}\/telegram\/\*$/),
    ]);
    expect(
      webhook
        .flatMap((s) => s.actions)
        .filter((a) => a.startsWith("s3:"))
        .sort(),
    ).toEqual(["s3:ListBucket", "s3:PutObject"]);
    const daily = statementsOf("DailyServiceRole");
    expect(daily.filter((s) => s.actions.includes("s3:GetObject")).flatMap((s) => s.resource)).toEqual([
      expect.stringMatching(/^\$\{RawBucket\w+\.Arn\}\/telegram\/\*$/),
    ]);
    expect(daily.find((s) => s.actions.includes("s3:PutObject"))?.resource).toEqual([
      expect.stringMatching(/^\$\{EnrichedBucket\w+\.Arn\}\/telegram\/\*$/),
    ]);
    expect(daily.filter((s) => s.actions.includes("s3:ListBucket")).map((s) => s.condition)).toEqual([
      { StringLike: { "s3:prefix": ["telegram/*", "telegram/"] } },
      { StringLike: { "s3:prefix": ["telegram/*", "telegram/"] } },
    ]);
    expect([...webhook, ...daily].flatMap((s) => s.actions).filter((a) => a.includes("*"))).toEqual([]);
    expect([...webhook, ...daily].flatMap((s) => s.resource)).not.toContain("*");
  });

  it("HTTP API: POST /telegram/webhook, throttled, access-logged", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /telegram/webhook" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it("raw and enriched buckets: encrypted, private, TLS only, versioned; raw to Standard-IA at 30 days, expired at 400", () => {
    const buckets = resourcesOf(json, "AWS::S3::Bucket");
    expect(buckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual([
      "EnrichedBucket",
      "RawBucket",
    ]);
    for (const [, b] of buckets) {
      expect(b.Properties!.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(b.Properties!.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties!.BucketEncryption).toMatchObject({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      });
      expect((b.Properties!.LifecycleConfiguration as any).Rules).toContainEqual(
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      );
    }
    const tlsOnly = resourcesOf(json, "AWS::S3::BucketPolicy").map(
      ([, p]) => (p.Properties!.PolicyDocument as any).Statement,
    );
    expect(tlsOnly).toHaveLength(2);
    for (const statements of tlsOnly) {
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ ExpirationInDays: 400 }),
          Match.objectLike({ Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }] }),
        ]),
      },
    });
  });
});

describe("TelegramStack with -c telegramRawExpireDays=0", () => {
  it("keeps raw updates forever", () => {
    const { json: kept } = synth(addTelegramStack, { telegramRawExpireDays: 0 });
    const rules = resourcesOf(kept, "AWS::S3::Bucket").flatMap(
      ([, b]) => (b.Properties!.LifecycleConfiguration as { Rules: object[] }).Rules,
    );
    expect(rules.filter((r) => "ExpirationInDays" in r)).toEqual([]);
  });
});
