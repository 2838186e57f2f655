// `pnpm test:unit` runs `vitest run --project unit`: the projects must exist and split the
// files by suffix (unit: *.test.ts without *.int.test.ts; int: *.int.test.ts).
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function listFiles(project: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      resolve(root, "node_modules/vitest/vitest.mjs"),
      "list",
      "--project",
      project,
      "--filesOnly",
      "packages/source-s3",
      "packages/s3-common",
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
  );
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.endsWith(".ts"));
}

describe("vitest projects", () => {
  it("the package.json test:unit script names a project that exists", async () => {
    const pkg = (await import("../package.json", { with: { type: "json" } })).default as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts["test:unit"]).toBe("vitest run --project unit");
  });

  it("unit lists *.test.ts without *.int.test.ts; int lists only *.int.test.ts", () => {
    const unit = listFiles("unit");
    const int = listFiles("int");
    expect(unit).toContain("[unit] packages/s3-common/src/s3-errors.test.ts");
    expect(unit.filter((f) => f.endsWith(".int.test.ts"))).toEqual([]);
    expect(int).toContain("[int] packages/source-s3/src/source.int.test.ts");
    expect(int.filter((f) => !f.endsWith(".int.test.ts"))).toEqual([]);
  });
});
