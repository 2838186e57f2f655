import { Stack } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { describe, expect, it } from "vitest";
import { acknowledge } from "./nag.js";
import { synth } from "./test-support.js";

/** The stack tests rely on synth failing on an unacknowledged cdk-nag finding: prove it does. */
describe("cdk-nag AwsSolutions checks", () => {
  const bucketStack = (ack: boolean) =>
    synth((app) => {
      const stack = new Stack(app, "NagProbe");
      const bucket = new s3.Bucket(stack, "Plain");
      if (ack) {
        acknowledge(bucket, [
          { id: "AwsSolutions-S1", reason: "probe" },
          { id: "AwsSolutions-S10", reason: "probe" },
        ]);
      }
      return stack;
    });

  it("fails the synth on an unacknowledged finding, naming the rule", () => {
    expect(() => bucketStack(false)).toThrow(/AwsSolutions-S1|AwsSolutions-S10|[Vv]alidation/);
  });

  it("passes once every finding is acknowledged with a reason", () => {
    expect(bucketStack(true).template.resourceCountIs("AWS::S3::Bucket", 1)).toBeUndefined();
  });
});
