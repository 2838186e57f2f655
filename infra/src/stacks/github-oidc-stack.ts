import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { acknowledge } from "../nag.js";

export interface GitHubOidcStackProps extends StackProps {
  /** `owner/repo` allowed to assume the role. */
  repository: string;
  /** The GitHub environment whose jobs may deploy (`production`), besides pushes to `main`. */
  environment: string;
  /** Existing provider for token.actions.githubusercontent.com (one per account); unset: created. */
  providerArn?: string;
  /** The CDK bootstrap qualifier (`hnb659fds` unless bootstrapped with another). */
  bootstrapQualifier: string;
}

/**
 * The role GitHub Actions assumes through OIDC (no stored AWS keys): only this repository's
 * `main` branch and its `production` environment. It may push the Sluice images to ECR and
 * assume the CDK bootstrap roles (which is how `cdk deploy` deploys); nothing else.
 */
export class GitHubOidcStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubOidcStackProps) {
    super(scope, id, props);
    const host = "token.actions.githubusercontent.com";
    const provider = props.providerArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, "GitHub", props.providerArn)
      : new iam.OidcProviderNative(this, "GitHub", {
          url: `https://${host}`,
          clientIds: ["sts.amazonaws.com"],
        });
    this.role = new iam.Role(this, "Deploy", {
      roleName: "sluice-github-deploy",
      description: `GitHub Actions of ${props.repository} (main, environment ${props.environment})`,
      assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
        StringEquals: { [`${host}:aud`]: "sts.amazonaws.com" },
        StringLike: {
          [`${host}:sub`]: [
            `repo:${props.repository}:ref:refs/heads/main`,
            `repo:${props.repository}:environment:${props.environment}`,
          ],
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
        ],
        resources: [this.formatArn({ service: "ecr", resource: "repository", resourceName: "sluice/*" })],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["sts:AssumeRole"],
        resources: [
          this.formatArn({
            service: "iam",
            region: "",
            resource: "role",
            resourceName: `cdk-${props.bootstrapQualifier}-*`,
          }),
        ],
      }),
    );
    new CfnOutput(this, "RoleArn", { value: this.role.roleArn });
    acknowledge(this.role, [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason: "ecr:GetAuthorizationToken has no resource-level permissions (AWS design).",
      },
      {
        id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/sluice/*]",
        reason: "Push to the Sluice repositories only (sluice/<app>).",
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-${props.bootstrapQualifier}-*]`,
        reason:
          "cdk deploy assumes the bootstrap roles (deploy, file/image publishing, lookup); CloudFormation's execution role does the deployment.",
      },
    ]);
  }
}
