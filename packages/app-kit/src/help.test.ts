import { describe, expect, it } from "vitest";
import { z } from "zod";
import { optionalString, required, s3Fields, streamList } from "./env.js";
import { describeVariables, formatHelp, wantsHelp } from "./help.js";

const schema = z.object({
  TOKEN: required().describe("API token (secret)"),
  STREAMS: streamList(["a", "b"], "a,b").describe("streams to read"),
  ...s3Fields,
  NOTE: optionalString,
});

describe("--help from the env schema", () => {
  it("recognises --help and -h only", () => {
    expect(wantsHelp(["--help"])).toBe(true);
    expect(wantsHelp(["x", "-h"])).toBe(true);
    expect(wantsHelp([])).toBe(false);
    expect(wantsHelp(["--helpful"])).toBe(false);
  });

  it("says of each variable whether it is required, its default, or optional", () => {
    expect(describeVariables(schema)).toEqual([
      { name: "TOKEN", presence: "required", description: "API token (secret)" },
      { name: "STREAMS", presence: "default a,b", description: "streams to read" },
      { name: "S3_BUCKET", presence: "required", description: expect.stringContaining("bucket") },
      { name: "S3_PREFIX", presence: "default data/", description: expect.any(String) },
      { name: "S3_FORCE_PATH_STYLE", presence: "default false", description: expect.any(String) },
      { name: "NOTE", presence: "optional", description: "" },
    ]);
  });

  it("prints one aligned line per variable, the notes and an example", () => {
    const text = formatHelp("my-app", {
      summary: "does a thing",
      schema,
      example: "TOKEN=... S3_BUCKET=my-lake node dist/main.js",
      notes: ["AWS settings come from the SDK's own variables."],
    });
    const lines = text.split("\n");
    expect(lines[0]).toBe("my-app: does a thing");
    const varLines = lines.filter((l) => /^ {2}[A-Z][A-Z0-9_]+ {2}/.test(l));
    expect(varLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(Object.keys(schema.shape));
    expect(new Set(varLines.map((l) => l.indexOf(l.trim().split(/\s+/)[1] ?? "", 4))).size).toBe(1);
    expect(text).toContain("  TOKEN                required       API token (secret)");
    expect(text).toContain("AWS settings come from the SDK's own variables.");
    expect(text).toMatch(/Example:\n {2}TOKEN=\.\.\. S3_BUCKET=my-lake node dist\/main\.js\n$/);
  });
});
