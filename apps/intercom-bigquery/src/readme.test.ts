import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENTITIES } from "./entities.js";
import { parseRequest } from "./request.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows a request body the function accepts, naming the eight entities", () => {
    const block = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const parsed = parseRequest(JSON.parse(block!));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.request.intercom.entities).toEqual([...ENTITIES]);
      expect(parsed.request.bq).toEqual({ project_id: "my-project", dataset_id: "intercom", location: "US" });
    }
  });
});
