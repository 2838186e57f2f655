// scripts/stamp-repository.mjs (run by `pnpm release` in .github/workflows/release.yml) on a
// temporary copy of packages/*/package.json, and the committed `repository` fields it rewrites.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(root, "scripts/stamp-repository.mjs");

interface Manifest {
  name: string;
  private?: boolean;
  repository?: { type: string; url: string; directory: string };
  scripts?: Record<string, string>;
}

/** packages/<folder>/package.json of this repository: text and parsed. */
async function manifests(base: string): Promise<Array<{ folder: string; text: string; manifest: Manifest }>> {
  const folders = (await readdir(join(base, "packages"), { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    folders.map(async (folder) => {
      const text = await readFile(join(base, "packages", folder, "package.json"), "utf8");
      return { folder, text, manifest: JSON.parse(text) as Manifest };
    }),
  );
}

const REPO = await manifests(root);
const PUBLIC = REPO.filter((p) => !p.manifest.private);

/** Runs the script on `dir` with exactly `env` (plus PATH); never throws, returns the exit code. */
async function stamp(dir: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run("node", [SCRIPT, dir], { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("the committed repository fields", () => {
  it("every public package names its own folder as repository.directory", () => {
    expect(PUBLIC.length).toBeGreaterThanOrEqual(11);
    for (const { folder, manifest } of PUBLIC) {
      expect(manifest.repository, manifest.name).toMatchObject({
        type: "git",
        directory: `packages/${folder}`,
      });
      expect(manifest.repository?.url, manifest.name).toMatch(
        /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/,
      );
    }
  });

  it("only app-kit and the *-simulator stand-ins are private (docs/deploy.md → Releases)", () => {
    const privates = REPO.filter((p) => p.manifest.private).map((p) => p.folder);
    expect(privates.filter((f) => f !== "app-kit" && !f.endsWith("-simulator"))).toEqual([]);
  });

  it("`pnpm release` builds, stamps, then publishes", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Manifest;
    expect(pkg.scripts?.["release:stamp"]).toBe("node scripts/stamp-repository.mjs");
    expect(pkg.scripts?.release).toBe("turbo run build && pnpm release:stamp && changeset publish");
  });
});

describe("stamp-repository.mjs on a copy of packages/*/package.json", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-stamp-"));
    for (const { folder, text } of REPO) {
      await mkdir(join(dir, "packages", folder), { recursive: true });
      await writeFile(join(dir, "packages", folder, "package.json"), text);
    }
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("points every public package at the workflow's repository, changes nothing else", async () => {
    const result = await stamp(dir, {
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/sluice-fork",
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(PUBLIC.length);

    const after = await manifests(dir);
    for (const { folder, text, manifest } of REPO) {
      const stamped = after.find((p) => p.folder === folder)!;
      if (manifest.private) {
        expect(stamped.text, folder).toBe(text);
        continue;
      }
      expect(stamped.manifest.repository).toEqual({
        type: "git",
        url: "git+https://github.com/acme/sluice-fork.git",
        directory: `packages/${folder}`,
      });
      // same keys in the same order, every other field untouched, same formatting
      expect(Object.keys(stamped.manifest)).toEqual(Object.keys(manifest));
      expect({ ...stamped.manifest, repository: manifest.repository }).toEqual(manifest);
      expect(stamped.text).toBe(`${JSON.stringify(stamped.manifest, null, 2)}\n`);
    }
  });

  it("adds a missing repository field before publishConfig", async () => {
    const file = join(dir, "packages", PUBLIC[0]!.folder, "package.json");
    const { repository: _, ...bare } = PUBLIC[0]!.manifest;
    await writeFile(file, JSON.stringify(bare, null, 2));
    const result = await stamp(dir, { GITHUB_SERVER_URL: "https://github.com/", GITHUB_REPOSITORY: "o/r" });
    expect(result.code).toBe(0);
    const keys = Object.keys(JSON.parse(await readFile(file, "utf8")));
    expect(keys.indexOf("repository")).toBe(keys.indexOf("publishConfig") - 1);
    expect(JSON.parse(await readFile(file, "utf8")).repository.url).toBe("git+https://github.com/o/r.git");
  });

  it.each([
    [{}, /GITHUB_SERVER_URL is not set; GITHUB_REPOSITORY is not set/],
    [{ GITHUB_SERVER_URL: "https://github.com" }, /GITHUB_REPOSITORY is not set/],
    [
      { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme" },
      /GITHUB_REPOSITORY must be owner\/name/,
    ],
    [
      { GITHUB_SERVER_URL: "github.com", GITHUB_REPOSITORY: "acme/x" },
      /GITHUB_SERVER_URL must be https:\/\/<host>/,
    ],
  ])("fails clearly and writes nothing with %j", async (env, message) => {
    const result = await stamp(dir, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("GitHub Actions sets GITHUB_SERVER_URL and GITHUB_REPOSITORY");
    for (const { folder, text } of REPO) {
      expect(await readFile(join(dir, "packages", folder, "package.json"), "utf8")).toBe(text);
    }
  });
});
