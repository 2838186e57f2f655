import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { Annotations, type Duration, RemovalPolicy } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { acknowledge } from "../nag.js";

export interface NodeLambdaProps {
  /** The handler module (TypeScript), e.g. `<repo>/apps/telegram-webhook/src/lambda.ts`; exports `handler`. */
  entry: string;
  /** Repository root: its pnpm-lock.yaml and workspace packages are what esbuild resolves. */
  repoRoot: string;
  environment: Record<string, string>;
  memoryMiB: number;
  timeout: Duration;
  description: string;
}

/**
 * A Node.js 22 Lambda bundled by esbuild (local binary, no Docker) from the app's TypeScript
 * entry: ESM, minified, source maps, workspace packages taken from their sources (the
 * `sluice-source` condition, so no prior build), the AWS SDK v3 from the runtime. Its log group
 * has a retention. When the entry does not exist yet, synth still succeeds with a stub that
 * fails every invocation, and a warning says so (`cdk deploy` of that stub is pointless).
 */
export function nodeLambda(scope: Construct, id: string, props: NodeLambdaProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const common = {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memoryMiB,
    timeout: props.timeout,
    environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
    description: props.description,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
  };
  let fn: lambda.Function;
  if (existsSync(props.entry)) {
    fn = new nodejs.NodejsFunction(scope, id, {
      ...common,
      entry: props.entry,
      handler: "handler",
      projectRoot: props.repoRoot,
      depsLockFilePath: join(props.repoRoot, "pnpm-lock.yaml"),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        mainFields: ["module", "main"],
        externalModules: ["@aws-sdk/*"],
        esbuildArgs: { "--conditions": "sluice-source" },
        // CommonJS dependencies bundled into ESM still call require()
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  } else {
    Annotations.of(scope).addWarningV2(
      `sluice:missing-entry:${id}`,
      `${relative(props.repoRoot, props.entry)} does not exist: ${id} is a stub that fails every invocation`,
    );
    fn = new lambda.Function(scope, id, {
      ...common,
      handler: "index.handler",
      code: lambda.Code.fromInline(
        `exports.handler = async () => { throw new Error("${id}: the handler was not built into this deployment"); };`,
      ),
    });
  }
  acknowledge(fn, [
    {
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: "The AWS-managed basic execution policy only allows writing this function's logs.",
    },
    {
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 on purpose: the same major as the container images and CI, so the bundle runs where it was tested.",
    },
  ]);
  return fn;
}
