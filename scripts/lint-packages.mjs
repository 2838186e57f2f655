#!/usr/bin/env node
/**
 * `pnpm lint:packages`: what npm users would get from every publishable package under
 * packages/ (not `private`), checked on its packed tarball after `pnpm build`:
 * - publint: exports/files/types point at files that are in the tarball, fields are sane;
 * - @arethetypeswrong/cli: the types resolve for ESM consumers (node16 from ESM and bundlers;
 *   the packages are ESM-only, so CommonJS `require` and node10 resolution are out of scope).
 * And the API reference (`pnpm docs:api`, TypeDoc, typedoc.json): its entry points are exactly
 * these packages, and TypeDoc converts them without an error or a warning (typedoc.json treats
 * warnings as errors: e.g. a public signature referring to a type the package does not export).
 * Nothing is written (`--emit none`); the HTML goes to docs/api/ only with `pnpm docs:api`.
 * Exits 1 naming each package with a problem.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);

const packages = readdirSync(join(root, "packages"))
  .map((dir) => join(root, "packages", dir))
  .filter((dir) => {
    try {
      return !JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).private;
    } catch {
      return false;
    }
  });

async function check(dir) {
  const name = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name;
  const problems = [];
  for (const [tool, args] of [
    ["publint", ["--strict", dir]],
    ["attw", ["--pack", dir, "--profile", "esm-only", "--format", "ascii"]],
  ]) {
    try {
      await run(bin(tool), args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      problems.push(`${tool}:\n${err.stdout ?? ""}${err.stderr ?? ""}`.trim());
    }
  }
  return { name, problems };
}

async function checkApiReference() {
  const name = "API reference (typedoc.json)";
  const config = JSON.parse(readFileSync(join(root, "typedoc.json"), "utf8"));
  const expected = packages.map((dir) => `packages/${basename(dir)}`).sort();
  const actual = [...config.entryPoints].sort();
  const problems = [];
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    problems.push(
      `entryPoints must be the public packages:\n  expected ${expected.join(", ")}\n  got      ${actual.join(", ")}`,
    );
  }
  const ignored = readFileSync(join(root, ".gitignore"), "utf8").split("\n");
  if (config.out !== "docs/api" || !ignored.includes("docs/api/")) {
    problems.push(`out must be docs/api, and .gitignore must list docs/api/ (docs say it is not committed)`);
  }
  try {
    await run(bin("typedoc"), ["--emit", "none", "--logLevel", "Warn"], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    problems.push(`typedoc:\n${err.stdout ?? ""}${err.stderr ?? ""}`.trim());
  }
  return { name, problems };
}

/** Two at a time: each check packs a tarball. */
const results = [];
for (let i = 0; i < packages.length; i += 2) {
  results.push(...(await Promise.all(packages.slice(i, i + 2).map(check))));
}
results.push(await checkApiReference());
const bad = results.filter((r) => r.problems.length > 0);
for (const r of results) console.log(`${r.problems.length ? "✗" : "✓"} ${r.name}`);
for (const r of bad) console.error(`\n${r.name}\n${r.problems.join("\n")}`);
process.exit(bad.length ? 1 : 0);
