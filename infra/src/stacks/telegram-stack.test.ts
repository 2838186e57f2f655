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
    .map((s) => ({ actions: [s.Action].flat() as string[], resource: [s.Resource].flat().map(flatten) }));

describe("TelegramStack", () => {
  it("midnight America/Sao_Paulo schedule invoking the daily function", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 0 * * ? *)",
      ScheduleExpressionTimezone: "America/Sao_Paulo",
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^Daily"), "Arn"] } }),
    });
  });

  it("two Node 22 functions; secrets passed by ARN only, never as values", () => {
    expect(functions.map(([, f]) => f.Properties!.Runtime)).toEqual(["nodejs22.x", "nodejs22.x"]);
    const webhook = fnEnv("Webhook");
    expect(Object.keys(webhook).sort()).toEqual(
      ["NODE_OPTIONS", "PARTITION_TZ", "RAW_BUCKET", "RAW_PREFIX", "TELEGRAM_SECRET_TOKEN_SECRET_ARN"].sort(),
    );
    expect(flatten(webhook.TELEGRAM_SECRET_TOKEN_SECRET_ARN)).toMatch(/^\$\{WebhookSecretToken\w+\}$/);
    expect(Object.keys(fnEnv("Daily"))).toEqual(
      expect.arrayContaining([
        "RAW_BUCKET",
        "ENRICHED_BUCKET",
        "ENRICHED_PREFIX",
        "TELEGRAM_BOT_TOKEN_SECRET_ARN",
      ]),
    );
    for (const [, f] of functions) {
      const names = Object.keys((f.Properties!.Environment as { Variables: object }).Variables);
      expect(names).not.toContain("TELEGRAM_SECRET_TOKEN");
      expect(names).not.toContain("TELEGRAM_BOT_TOKEN");
    }
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
    expect([...webhook, ...daily].flatMap((s) => s.actions).filter((a) => a.includes("*"))).toEqual([]);
  });

  it("HTTP API: POST /telegram/webhook, throttled, access-logged", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /telegram/webhook" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it("raw and enriched buckets: encrypted, private, versioned; raw moves to Standard-IA after 30 days", () => {
    const buckets = resourcesOf(json, "AWS::S3::Bucket");
    expect(buckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual([
      "EnrichedBucket",
      "RawBucket",
    ]);
    for (const [, b] of buckets) {
      expect(b.Properties!.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(b.Properties!.PublicAccessBlockConfiguration).toMatchObject({
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
    }
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }] }),
        ]),
      },
    });
  });
});
