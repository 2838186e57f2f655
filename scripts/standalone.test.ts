// The repository stands alone: no code or doc refers to files outside it (the notes it was
// written from, a sibling checkout, an absolute path on the author's machine).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Packages whose references another change fixes (tracked separately). */
const PENDING = ["packages/source-intercom/", "packages/intercom-simulator/"];
const OUTSIDE = /\/work\/|\.\.\/shared\b|\bARCHITECTURE\.md\b|\bAPI-NOTES\b|\bAPI notes\b/;

function trackedFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => /\.(ts|mts|mjs|js|md|sh|json|ya?ml)$/.test(f) || f === ".ci/run")
    .filter((f) => !f.includes("node_modules/") && f !== "pnpm-lock.yaml")
    .filter((f) => !PENDING.some((p) => f.startsWith(p)));
}

describe("the repository stands alone", () => {
  it("no file points at a path outside the repository", () => {
    const offenders: string[] = [];
    for (const file of trackedFiles()) {
      if (file === "scripts/standalone.test.ts") continue;
      let text: string;
      try {
        text = readFileSync(resolve(root, file), "utf8");
      } catch {
        continue; // deleted in the working tree
      }
      text.split("\n").forEach((line, i) => {
        // CI may provide its own services script next to the checkout; the repo's is the fallback
        if (file === ".ci/run" && /\bservices\.sh\b/.test(line)) return;
        if (OUTSIDE.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it("docs/architecture.md exists and the README links it", () => {
    expect(readFileSync(resolve(root, "docs/architecture.md"), "utf8")).toContain("## Guarantees");
    expect(readFileSync(resolve(root, "README.md"), "utf8")).toContain("docs/architecture.md");
  });

  it("scripts/services.sh starts MariaDB and ActiveMQ (STOMP)", () => {
    const script = readFileSync(resolve(root, "scripts/services.sh"), "utf8");
    expect(script).toMatch(/start_activemq\(\)/);
    expect(script).toMatch(/STOMP_PORT=\$\{STOMP_PORT:-61613\}/);
    expect(script).toMatch(/mariadb|mysqld/i);
  });
});
