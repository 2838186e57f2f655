import { AuthError, ConfigError, DataError, RateLimitError, SinkError, TransientError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { apiError, jobError, scrubMessage } from "./errors.js";

describe("jobError", () => {
  it("maps invalid to a DataError with the job id, first reasons and the field, without the value", () => {
    const e = jobError(
      "job_1",
      "load",
      {
        errorResult: { reason: "invalid", message: "JSON table encountered too many errors, giving up." },
        errors: [
          { reason: "invalid", message: "JSON table encountered too many errors" },
          {
            reason: "invalid",
            location: "email",
            message:
              "JSON parsing error in row starting at position 0: Could not convert value 'string_value: \"ann@example.com\"' to integer. Field: email; Value: ann@example.com",
          },
        ],
      },
      "contacts",
    );
    expect(e).toBeInstanceOf(DataError);
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("job_1");
    expect(e.message).toContain("(invalid)");
    expect(e.message).toContain('field="email"');
    expect(e.message).not.toContain("ann@example.com");
    expect(e.details).toMatchObject({ jobId: "job_1", reasons: ["invalid"] });
  });

  it.each([
    ["rateLimitExceeded", RateLimitError, true],
    ["quotaExceeded", RateLimitError, true],
    ["backendError", TransientError, true],
    ["accessDenied", AuthError, false],
    ["notFound", SinkError, false],
  ])("maps %s", (reason, type, retryable) => {
    const e = jobError("j", "load", { errorResult: { reason, message: "m" } }, "s");
    expect(e).toBeInstanceOf(type);
    expect(e.retryable).toBe(retryable);
  });
});

describe("apiError", () => {
  const api = (code: number, reason: string) =>
    Object.assign(new Error("m"), { code, errors: [{ reason, message: "m" }] });
  it.each([
    [api(403, "rateLimitExceeded"), RateLimitError],
    [api(403, "accessDenied"), AuthError],
    [api(401, "authError"), AuthError],
    [api(503, "backendError"), TransientError],
    [api(404, "notFound"), ConfigError],
    [api(400, "invalid"), DataError],
    [api(409, "duplicate"), SinkError],
  ])("maps %o", (error, type) => {
    expect(apiError(error, "call")).toBeInstanceOf(type);
  });

  it("treats network failures as transient", () => {
    const e = apiError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "upload");
    expect(e.retryable).toBe(true);
  });
});

it("scrubs quoted values", () => {
  expect(
    scrubMessage("Could not convert value 'string_value: \"x y\"' to integer. Field: n; Value: x y"),
  ).toBe("Could not convert value to integer. Field: n");
});
