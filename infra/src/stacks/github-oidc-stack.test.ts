import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { addGitHubOidcStack, prepareApp } from "../app.js";
import { resourcesOf, synth } from "../test-support.js";

const { template, json } = synth((app, ctx) => addGitHubOidcStack(app, ctx)!, {
  githubRepository: "acme/sluice",
});

describe("GitHubOidcStack", () => {
  it("only main and the production environment of the repository may assume the role", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
              StringLike: {
                "token.actions.githubusercontent.com:sub": [
                  "repo:acme/sluice:ref:refs/heads/main",
                  "repo:acme/sluice:environment:production",
                ],
              },
            },
          }),
        ],
      },
    });
  });

  it("may push images and assume the CDK bootstrap roles, nothing else", () => {
    const actions = resourcesOf(json, "AWS::IAM::Policy").flatMap(([, p]) =>
      (p.Properties!.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap(
        (s) => [s.Action].flat(),
      ),
    );
    expect(actions.filter((a) => !a.startsWith("ecr:"))).toEqual(["sts:AssumeRole"]);
    expect(actions).not.toContain("ecr:*");
  });

  it("is left out without a repository", async () => {
    const { App } = await import("aws-cdk-lib");
    const app = new App();
    expect(addGitHubOidcStack(app, prepareApp(app))).toBeUndefined();
  });
});
