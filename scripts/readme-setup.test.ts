// The README's set-up must work on a fresh machine with only Node.js and npm: the pnpm it tells
// people to install is exactly the version package.json's packageManager pins.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(resolve(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  packageManager: string;
  scripts: Record<string, string>;
};

describe("README set-up", () => {
  it("installs exactly the pnpm version packageManager names", () => {
    const pinned = /^pnpm@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager)?.[1];
    expect(pinned).toBeDefined();
    const installs = [...readme.matchAll(/npm (?:install|i) -g pnpm@([^\s`]+)/g)].map((m) => m[1]);
    expect(installs.length).toBeGreaterThan(0);
    expect(installs).toEqual(installs.map(() => pinned));
  });

  it("names only scripts that exist", () => {
    const used = [...readme.matchAll(/`pnpm ([a-z][a-z:-]*)/g)].map((m) => m[1] ?? "");
    const builtIn = new Set(["install", "vitest", "exec", "biome", "turbo", "approve-builds"]);
    expect(used.filter((s) => !builtIn.has(s) && !(s in pkg.scripts))).toEqual([]);
  });
});
