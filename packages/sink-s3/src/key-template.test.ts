import { describe, expect, it } from "vitest";
import { numberedKeyPattern, renderKey, unknownPlaceholders, usesPlaceholder } from "./key-template.js";

const vars = {
  prefix: "raw/",
  stream: "contacts",
  ext: "jsonl.gz",
  runId: "run-42",
  // 23:30 on Dec 31 in New York is already Jan 1 in UTC: dates must be UTC
  runStartedAt: new Date("2024-01-01T04:30:00Z"),
  n: 3,
};

describe("renderKey", () => {
  it("renders the default template", () => {
    expect(renderKey("{prefix}{stream}.{ext}", vars)).toBe("raw/contacts.jsonl.gz");
  });

  it("renders UTC date parts, run id and zero-padded part numbers", () => {
    expect(renderKey("{prefix}{stream}/date={yyyy}-{mm}-{dd}/hour={hh}/{runId}-part-{n}.{ext}", vars)).toBe(
      "raw/contacts/date=2024-01-01/hour=04/run-42-part-00003.jsonl.gz",
    );
  });

  it("leaves unknown placeholders alone and reports them", () => {
    expect(renderKey("{stream}/{bogus}.{ext}", vars)).toBe("contacts/{bogus}.jsonl.gz");
    expect(unknownPlaceholders("{stream}/{bogus}/{day}.{ext}")).toEqual(["bogus", "day"]);
    expect(unknownPlaceholders("{prefix}{stream}/part-{n}.{ext}")).toEqual([]);
  });

  it("detects placeholders", () => {
    expect(usesPlaceholder("{stream}/part-{n}.{ext}", "n")).toBe(true);
    expect(usesPlaceholder("{stream}.{ext}", "runId")).toBe(false);
  });
});

describe("numberedKeyPattern", () => {
  const { n: _n, ...base } = vars;
  it("gives the listing prefix before {n} and parses numbers of matching keys only", () => {
    const p = numberedKeyPattern("{prefix}{stream}/date={yyyy}-{mm}-{dd}/part-{n}.{ext}", base);
    expect(p.listPrefix).toBe("raw/contacts/date=2024-01-01/part-");
    expect(p.parse("raw/contacts/date=2024-01-01/part-00012.jsonl.gz")).toBe(12);
    expect(p.parse("raw/contacts/date=2024-01-01/part-00012.csv")).toBeUndefined();
    expect(p.parse("raw/contacts/date=2024-01-01/part-x.jsonl.gz")).toBeUndefined();
  });

  it("escapes regex characters in the fixed parts", () => {
    const p = numberedKeyPattern("a+b/(x)/{n}.{ext}", { ...base, ext: "json" });
    expect(p.parse("a+b/(x)/7.json")).toBe(7);
    expect(p.parse("aab/(x)/7.json")).toBeUndefined();
  });
});
