import { describe, expect, it } from "vitest";
import { startOfDay, startOfNextDay } from "./timezone.js";

describe("day boundaries", () => {
  it("UTC", () => {
    expect(startOfDay(1577869200, "UTC")).toBe(1577836800); // the spec's own example (§5.3)
    expect(startOfNextDay(1577869200, "UTC")).toBe(1577836800 + 86_400);
  });

  it("fixed offsets and DST zones", () => {
    // 2024-03-10 12:00 America/New_York (DST starts that day at 02:00 → a 23-hour day)
    const noon = Date.UTC(2024, 2, 10, 16) / 1000;
    expect(startOfDay(noon, "America/New_York")).toBe(Date.UTC(2024, 2, 10, 5) / 1000);
    expect(startOfNextDay(noon, "America/New_York")).toBe(Date.UTC(2024, 2, 11, 4) / 1000);
    expect(startOfDay(Date.UTC(2024, 0, 1, 14, 59) / 1000, "Asia/Tokyo")).toBe(
      Date.UTC(2023, 11, 31, 15) / 1000,
    );
    expect(startOfDay(Date.UTC(2024, 0, 1, 15) / 1000, "Asia/Tokyo")).toBe(Date.UTC(2024, 0, 1, 15) / 1000);
  });
});
