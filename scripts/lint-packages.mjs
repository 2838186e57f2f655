#!/usr/bin/env node
/**
 * `pnpm lint:packages`: what npm users would get from every publishable package under
 * packages/ (not `private`), checked on its packed tarball after `pnpm build`:
 * - publint: exports/files/types point at files that are in the tarball, fields are sane;
 * - @arethetypeswrong/cli: the types resolve for ESM consumers (node16 from ESM and bundlers;
 *   the packages are ESM-only, so CommonJS `require` and node10 resolution are out of scope).
 * Exits 1 naming each package with a problem.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/** Two at a time: each check packs a tarball. */
const results = [];
for (let i = 0; i < packages.length; i += 2) {
  results.push(...(await Promise.all(packages.slice(i, i + 2).map(check))));
}
const bad = results.filter((r) => r.problems.length > 0);
for (const r of results) console.log(`${r.problems.length ? "✗" : "✓"} ${r.name}`);
for (const r of bad) console.error(`\n${r.name}\n${r.problems.join("\n")}`);
process.exit(bad.length ? 1 : 0);
