// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings are literal ${...} text
// biome-ignore-all lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
/**
 * Lints infra/telegram/telegram.template.json (CloudFormation): the schedule, the wiring, bucket
 * hardening, least-privilege IAM, secrets, and that the Lambdas' environment is what the apps read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@sluice/app-kit/testing";
import { readWebhookConfig } from "@sluice/telegram-webhook";
import { describe, expect, test } from "vitest";
import { readDailyConfig } from "../src/env.js";

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
const template = JSON.parse(
  readFileSync(join(REPO_ROOT, "infra/telegram/telegram.template.json"), "utf8"),
) as {
  Resources: Record<string, Resource>;
};
const R = template.Resources;
const ofType = (type: string) => Object.entries(R).filter(([, r]) => r.Type === type);
const statements = (role: string) =>
  (
    R[role]!.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<Record<string, any>> } }>
  ).flatMap((p) => p.PolicyDocument.Statement);
const actions = (role: string) =>
  statements(role)
    .flatMap((s) => [s.Action].flat())
    .sort();

describe("infra/telegram CloudFormation template", () => {
  test("every Ref/GetAtt/Sub target exists", () => {
    const names = new Set([
      ...Object.keys(R),
      ...Object.keys((template as any).Parameters),
      "AWS::AccountId",
      "AWS::Region",
      "AWS::Partition",
      "AWS::URLSuffix",
    ]);
    const text = JSON.stringify(template);
    for (const m of text.matchAll(/"Ref":"([^"]+)"/g)) expect(names, m[1]).toContain(m[1]);
    for (const m of text.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)) expect(names, m[1]).toContain(m[1]);
    for (const m of text.matchAll(/\$\{([A-Za-z:]+)(\.[A-Za-z]+)?\}/g)) expect(names, m[1]).toContain(m[1]);
  });

  test("the daily schedule: 00:00 São Paulo, scheduled time as input, retries and a standard SQS DLQ", () => {
    const [[, schedule]] = ofType("AWS::Scheduler::Schedule") as [[string, Resource]];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: "cron(0 0 * * ? *)",
      ScheduleExpressionTimezone: "America/Sao_Paulo",
      FlexibleTimeWindow: { Mode: "OFF" },
    });
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
      scheduledTime: "<aws.scheduler.scheduled-time>",
    });
    expect(schedule.Properties.Target.Arn).toEqual({ "Fn::GetAtt": ["DailyFunction", "Arn"] });
    expect(R.DailyDeadLetterQueue!.Properties.FifoQueue).toBeUndefined();
  });

  test("HTTP API with payload format 2.0 → webhook Lambda on POST /telegram", () => {
    expect(R.HttpApi!.Properties.ProtocolType).toBe("HTTP");
    expect(R.WebhookIntegration!.Properties).toMatchObject({
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
    });
    expect(R.WebhookRoute!.Properties.RouteKey).toBe("POST /telegram");
    expect(R.ApiInvokesWebhook!.Properties.Principal).toBe("apigateway.amazonaws.com");
  });

  test("buckets: encrypted, public access blocked, TLS only; raw has a lifecycle", () => {
    for (const name of ["RawBucket", "EnrichedBucket"]) {
      const p = R[name]!.Properties;
      expect(
        p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
      ).toBe("aws:kms");
      expect(Object.values(p.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
      expect(p.LifecycleConfiguration.Rules.some((r: any) => r.AbortIncompleteMultipartUpload)).toBe(true);
    }
    const raw = R.RawBucket!.Properties.LifecycleConfiguration.Rules;
    expect(raw.some((r: any) => r.ExpirationInDays && r.Transitions)).toBe(true);
    for (const [, policy] of ofType("AWS::S3::BucketPolicy")) {
      expect(policy.Properties.PolicyDocument.Statement[0]).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  test("least privilege: exact actions per role, never a wildcard action or resource", () => {
    expect(actions("WebhookRole")).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:PutObject",
      "secretsmanager:GetSecretValue",
    ]);
    expect(actions("DailyRole")).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
      "sqs:SendMessage",
    ]);
    expect(actions("SchedulerRole")).toEqual(["lambda:InvokeFunction", "sqs:SendMessage"]);
    for (const role of ["WebhookRole", "DailyRole", "SchedulerRole"]) {
      for (const s of statements(role)) {
        expect(JSON.stringify(s.Action)).not.toContain("*");
        expect(s.Resource).not.toBe("*");
      }
    }
    const list = statements("DailyRole").find((s) => s.Action === "s3:ListBucket")!;
    expect(list.Condition.StringLike["s3:prefix"]).toEqual([{ "Fn::Sub": "${RawPrefix}*" }]);
  });

  test("secrets in Secrets Manager; the webhook reads its token from there by ARN, never from its configuration", () => {
    expect(
      ofType("AWS::SecretsManager::Secret")
        .map(([n]) => n)
        .sort(),
    ).toEqual(["BotTokenSecret", "WebhookSecret"]);
    expect(R.WebhookSecret!.Properties.GenerateSecretString).toMatchObject({
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    const env = R.WebhookFunction!.Properties.Environment.Variables;
    expect(env.TELEGRAM_SECRET_TOKEN).toBeUndefined();
    expect(env.TELEGRAM_SECRET_TOKEN_SECRET_ARN).toEqual({ Ref: "WebhookSecret" });
    const read = statements("WebhookRole").find((s) => s.Action === "secretsmanager:GetSecretValue");
    expect(read?.Resource).toEqual({ Ref: "WebhookSecret" });
    expect(JSON.stringify(R.DailyFunction!.Properties.Environment)).not.toMatch(/TOKEN/);
    // the app accepts the ARN alone
    expect(() =>
      readWebhookConfig({
        RAW_BUCKET: "sluice-telegram-raw",
        TELEGRAM_SECRET_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:x",
      }),
    ).not.toThrow();
  });

  test("the Lambdas' environment is exactly what the apps read", () => {
    const daily = R.DailyFunction!.Properties.Environment.Variables as Record<string, unknown>;
    const filled = Object.fromEntries(
      Object.entries(daily).map(([k, v]) => [
        k,
        typeof v === "string"
          ? v
          : k.endsWith("BUCKET")
            ? "sluice-telegram-raw"
            : k === "PARTITION_TZ"
              ? "America/Sao_Paulo"
              : "telegram/",
      ]),
    );
    expect(() => readDailyConfig(filled)).not.toThrow();
    expect(Object.keys(R.WebhookFunction!.Properties.Environment.Variables).sort()).toEqual([
      "LOG_LEVEL",
      "NODE_OPTIONS",
      "PARTITION_TZ",
      "RAW_BUCKET",
      "RAW_PREFIX",
      "TELEGRAM_SECRET_TOKEN_SECRET_ARN",
    ]);
    for (const fn of ["WebhookFunction", "DailyFunction"])
      expect(R[fn]!.Properties).toMatchObject({ Runtime: "nodejs20.x", Handler: "dist/lambda.handler" });
  });
});
