import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseOptions } from "./config.js";
import {
  AuthError,
  ConfigError,
  DataError,
  isRetryable,
  RateLimitError,
  SinkError,
  SluiceError,
  TransientError,
  toSluiceError,
} from "./errors.js";
import { REDACTED, redact, redactValue, registerSecret } from "./redact.js";

describe("errors", () => {
  it("every subclass has a stable code and retryable flag", () => {
    const cases: Array<[SluiceError, string, boolean]> = [
      [new ConfigError("x", [{ field: "a", message: "bad" }]), "config_invalid", false],
      [new AuthError("no"), "auth_failed", false],
      [new RateLimitError("slow down", 1000), "rate_limited", true],
      [new TransientError("503"), "transient", true],
      [new DataError("bad", { key: "k" }), "data_invalid", false],
      [new SinkError("x"), "sink_failed", false],
    ];
    for (const [e, code, retryable] of cases) {
      expect(e).toBeInstanceOf(SluiceError);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toBe(code);
      expect(e.retryable).toBe(retryable);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it("keeps the original error as cause", () => {
    const original = new Error("socket hang up");
    expect(new TransientError("failed", { cause: original }).cause).toBe(original);
    expect(toSluiceError(original).cause).toBe(original);
  });

  it("ConfigError lists every invalid field", () => {
    const e = new ConfigError("s3 config", [
      { field: "bucket_name", message: "required" },
      { field: "aws_region_name", message: "not a region" },
    ]);
    expect(e.message).toContain("2 problem(s)");
    expect(e.message).toContain("bucket_name: required");
    expect(e.message).toContain("aws_region_name: not a region");
    expect(e.issues).toHaveLength(2);
  });

  it("DataError names the key, line and record", () => {
    const e = new DataError("unexpected token", { key: "data/users.json", line: 42, recordId: "abc" });
    expect(e.message).toBe('unexpected token (key="data/users.json" line=42 recordId="abc")');
    expect(e.location.line).toBe(42);
    expect(e.details.key).toBe("data/users.json");
  });

  it("classifies network failures as retryable and others not", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(isRetryable(reset)).toBe(true);
    expect(isRetryable(new TypeError("fetch failed", { cause: reset }))).toBe(true);
    expect(isRetryable(Object.assign(new Error("t"), { name: "TimeoutError" }))).toBe(true);
    expect(isRetryable(new Error("nope"))).toBe(false);
    expect(isRetryable(new AuthError("no"))).toBe(false);
    expect(isRetryable(new TransientError("yes"))).toBe(true);
    expect(toSluiceError(reset)).toBeInstanceOf(TransientError);
  });

  it("redacts secrets in error messages at construction", () => {
    registerSecret("tok_live_abcdefghijklmnop");
    const e = new AuthError("Intercom rejected Bearer tok_live_abcdefghijklmnop for GET /me");
    expect(e.message).not.toContain("tok_live_abcdefghijklmnop");
    expect(e.message).toContain(REDACTED);
  });
});

describe("redact", () => {
  it("masks bearer tokens, URL passwords, presigned signatures, AWS keys and key=value secrets", () => {
    // fake secrets, assembled at run time so no credential-shaped literal sits in the source
    const awsKeyId = ["AKIA", "ABCDEFGHIJKLMNOP"].join("");
    const pw = ["hunter2", "hunter2"].join("");
    const text = [
      "Authorization: Bearer dG9rOmFiY2RlZmdoaWprbG1ub3A=",
      "mysql://app:s3cr3t-pass@db.example.com:3306/warehouse",
      "https://b.s3.amazonaws.com/k?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=AKIAxx",
      `key ${awsKeyId} here`,
      `password="${pw}" token=abc123456`,
    ].join("\n");
    const out = redact(text);
    for (const secret of [
      "dG9rOmFiY2RlZmdoaWprbG1ub3A=",
      "s3cr3t-pass",
      "abcdef0123456789",
      awsKeyId,
      pw,
      "abc123456",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("mysql://app:[REDACTED]@db.example.com:3306/warehouse");
  });

  it("masks secret-named keys in nested values", () => {
    const out = redactValue({
      user: "app",
      password: "x",
      nested: { accessToken: "y", list: ["Bearer zzzzzz"] },
    });
    expect(out).toEqual({
      user: "app",
      password: REDACTED,
      nested: { accessToken: REDACTED, list: [`Bearer ${REDACTED}`] },
    });
  });
});

describe("parseOptions", () => {
  it("returns parsed values with defaults", () => {
    const schema = z.object({ a: z.string(), n: z.number().default(3) });
    expect(parseOptions(schema, { a: "x" }, "thing")).toEqual({ a: "x", n: 3 });
  });
  it("throws a ConfigError naming every bad field", () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.number().int() }), d: z.enum(["x", "y"]) });
    const e = (() => {
      try {
        parseOptions(schema, { b: { c: 1.5 }, d: "z" }, "thing options");
      } catch (err) {
        return err as ConfigError;
      }
    })()!;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.issues.map((i) => i.field).sort()).toEqual(["a", "b.c", "d"]);
    expect(e.message).toContain("Invalid thing options: 3 problem(s)");
  });
});
