import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { DatadogOptions } from "../constructs/fargate-job.js";
import { acknowledge } from "../nag.js";

/** The Datadog sidecar option when an API key secret is given. */
export function datadogOptions(
  scope: Construct,
  apiKeySecretArn?: string,
  site?: string,
): DatadogOptions | undefined {
  if (!apiKeySecretArn) return undefined;
  return {
    apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(scope, "DatadogApiKey", apiKeySecretArn),
    ...(site ? { site } : {}),
  };
}

/** A secret created with a random placeholder value, to be set with `aws secretsmanager put-secret-value`. */
export function placeholderSecret(
  scope: Construct,
  id: string,
  name: string,
  description: string,
): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, {
    secretName: name,
    description: `${description}; set it with aws secretsmanager put-secret-value`,
  });
  acknowledge(secret, [
    {
      id: "AwsSolutions-SMG4",
      reason:
        "A third-party token issued by its provider: it cannot be rotated by a Lambda; rotate it at the provider and put-secret-value.",
    },
  ]);
  return secret;
}
