import { describe, expect, it } from "vitest";
import { bucketNameProblems, REGION_PATTERN } from "./naming-rules.js";

describe("bucketNameProblems", () => {
  it.each(["my-bucket", "a.b.c", "abc", "data-2024.logs", "a".repeat(63)])("accepts %s", (name) => {
    expect(bucketNameProblems(name)).toEqual([]);
  });

  it.each([
    ["ab", /3-63/],
    ["a".repeat(64), /3-63/],
    ["My_Bucket", /lowercase/],
    ["-bucket", /begin and end/],
    ["bucket-", /begin and end/],
    ["my..bucket", /adjacent dots/],
    ["my.-bucket", /"\.-"/],
    ["192.168.1.1", /IP address/],
    ["xn--bucket", /xn--/],
    ["bucket-s3alias", /-s3alias/],
  ])("rejects %s", (name, rule) => {
    const problems = bucketNameProblems(name);
    expect(problems.some((p) => rule.test(p))).toBe(true);
  });
});

describe("REGION_PATTERN", () => {
  it.each(["us-east-1", "eu-west-2", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "il-central-1"])(
    "accepts %s",
    (r) => expect(REGION_PATTERN.test(r)).toBe(true),
  );
  it.each(["us-east", "US-EAST-1", "useast1", "eu_west_2", "", "us-east-1a"])("rejects %s", (r) =>
    expect(REGION_PATTERN.test(r)).toBe(false),
  );
});
