import { describe, expect, it } from "vitest";
import { createProgressPrinter, formatBytes, formatDuration, table } from "../src/format.js";

describe("demo formatting", () => {
  it("formats sizes and durations", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(4.5 * 1024 * 1024)).toBe("4.5 MiB");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(7_100)).toBe("7.1 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });

  it("aligns tables: first column left, the rest right", () => {
    const out = table(
      ["stream", "records"],
      [
        ["contacts", "2,000"],
        ["tags", "9"],
      ],
    ).split("\n");
    expect(out[0]).toBe("  stream     records");
    expect(out[2]).toBe("  contacts     2,000");
    expect(out[3]).toBe("  tags             9");
  });

  it("prints progress only when it changed, with total and ETA when known", () => {
    const lines: string[] = [];
    const print = createProgressPrinter("extract", (l) => lines.push(l));
    const base = { runId: "r", stream: "contacts", status: "running" as const, bytes: 0, elapsedMs: 1000 };
    print({ ...base, records: 500, rate: 500, total: 2000, etaSeconds: 3 });
    print({ ...base, records: 500, rate: 500, total: 2000, etaSeconds: 3 });
    print({ ...base, records: 900, rate: 450 });
    print({ ...base, status: "staged", records: 2000, rate: 500 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("500 / 2,000 records");
    expect(lines[0]).toContain("ETA 3s");
    expect(lines[1]).not.toContain("ETA");
  });
});
