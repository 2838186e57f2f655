import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { payloadKey, validateWriteToS3Config, writeToS3 } from "./write-to-s3.js";

const good = { bucket_name: "my-bucket", bucket_path: "exports/intercom/", aws_region_name: "eu-west-2" };

function issuesOf(config: unknown): Array<{ field: string; message: string }> {
  try {
    validateWriteToS3Config(config);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("validateWriteToS3Config", () => {
  it("accepts a minimal config and applies defaults", () => {
    const cfg = validateWriteToS3Config(good);
    expect(cfg.format).toBe("json");
    expect(cfg.gzip).toBe(false);
  });

  it("lists every bad field at once", () => {
    const issues = issuesOf({
      bucket_name: "Bad..Bucket",
      bucket_path: "/../etc/passwd",
      aws_region_name: "europe",
      aws_access_key_id: ["AKIA", "EXAMPLEEXAMPLE00"].join(""),
      format: "xml",
    });
    const fields = new Set(issues.map((i) => i.field));
    expect(fields).toEqual(
      new Set(["bucket_name", "bucket_path", "aws_region_name", "aws_secret_access_key", "format"]),
    );
    // several broken rules of one field are all reported
    expect(issues.filter((i) => i.field === "bucket_name").length).toBeGreaterThanOrEqual(2);
    expect(issues.filter((i) => i.field === "bucket_path").length).toBe(2);
  });

  it("reports a missing bucket and region", () => {
    const fields = issuesOf({ bucket_path: "x/" }).map((i) => i.field);
    expect(fields).toContain("bucket_name");
    expect(fields).toContain("aws_region_name");
  });

  it("requires the access key id when a secret is given, and never prints the secret", () => {
    const secret = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("/"); // AWS docs example, assembled
    let message = "";
    try {
      validateWriteToS3Config({ ...good, bucket_name: "x", aws_secret_access_key: secret });
    } catch (e) {
      message = (e as Error).message + JSON.stringify((e as ConfigError).toJSON());
      expect((e as ConfigError).issues.map((i) => i.field).sort()).toEqual([
        "aws_access_key_id",
        "bucket_name",
      ]);
    }
    expect(message).toContain("aws_access_key_id");
    expect(message).not.toContain(secret);
  });

  it("rejects IP-shaped and xn-- bucket names", () => {
    expect(issuesOf({ ...good, bucket_name: "10.0.0.1" })[0]?.message).toMatch(/IP address/);
    expect(issuesOf({ ...good, bucket_name: "xn--abc" })[0]?.message).toMatch(/xn--/);
  });

  it("makes no request for an invalid config", async () => {
    const client = {
      send: () => {
        throw new Error("must not be called");
      },
    };
    await expect(
      writeToS3({ ...good, bucket_name: "" }, { a: 1 }, { client: client as never }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});

describe("payloadKey", () => {
  it("appends payload.<ext> to a folder path", () => {
    expect(payloadKey("exports/", { format: "jsonl", gzip: true })).toBe("exports/payload.jsonl.gz");
    expect(payloadKey("", { format: "csv" })).toBe("payload.csv");
    expect(payloadKey("exports/today.json", { format: "json" })).toBe("exports/today.json");
  });
});
