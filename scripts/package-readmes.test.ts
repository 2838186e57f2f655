// Every published package (packages/*, not "private") has a README.md with at least one ```ts
// block: the usage example a user copies, which scripts/readme-examples.test.ts typechecks.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const TS_FENCE = /^```(ts|typescript)\s*$/m;

/** `packages/<name>` folders of public packages whose README.md is missing or has no ```ts block. */
function packagesWithoutExample(repoRoot: string): string[] {
  const dir = join(repoRoot, "packages");
  const missing: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pkgFile = join(dir, entry.name, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { private?: boolean };
    if (pkg.private === true) continue;
    const readme = join(dir, entry.name, "README.md");
    if (!existsSync(readme) || !TS_FENCE.test(readFileSync(readme, "utf8"))) {
      missing.push(`packages/${entry.name}`);
    }
  }
  return missing.sort();
}

const fixtures: string[] = [];
afterAll(() => {
  for (const f of fixtures) rmSync(f, { recursive: true, force: true });
});

function fixtureRepo(packages: Record<string, { private?: boolean; readme?: string }>): string {
  const repo = mkdtempSync(join(tmpdir(), "sluice-package-readmes-"));
  fixtures.push(repo);
  for (const [name, p] of Object.entries(packages)) {
    const dir = join(repo, "packages", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `@x/${name}`, private: p.private }));
    if (p.readme !== undefined) writeFileSync(join(dir, "README.md"), p.readme);
  }
  mkdirSync(join(repo, "packages", "not-a-package"), { recursive: true });
  return repo;
}

describe("package READMEs", () => {
  it("reports public packages without a README or without a ```ts block, not private ones", () => {
    const repo = fixtureRepo({
      good: { readme: "# good\n\n```ts\nconst a = 1;\n```\n" },
      typescript: { readme: "```typescript\nconst a = 1;\n```\n" },
      "no-readme": {},
      "sh-only": { readme: "# x\n\n```sh\npnpm add x\n```\n" },
      "inline-only": { readme: "Call `x()`; see ```ts in the docs.\n" },
      "private-bare": { private: true },
    });
    expect(packagesWithoutExample(repo)).toEqual([
      "packages/inline-only",
      "packages/no-readme",
      "packages/sh-only",
    ]);
  });

  it("every public package under packages/ has a README with a ```ts example", () => {
    expect(packagesWithoutExample(root)).toEqual([]);
  });
});
