/**
 * The images ship `pnpm deploy --prod` bundles (see the Dockerfiles). This builds the same bundles
 * from the local store (offline) and runs them on their own: modules must resolve, and no dev-only
 * package may be inside.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { appMain, assertBuilt, baseEnv, REPO_ROOT, runApp } from "@sluice/app-kit/testing";
import { afterAll, describe, expect, it } from "vitest";

const EXTRACT_MAIN = appMain("fargate-extract");
const LOAD_MAIN = appMain("fargate-load");

const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Packages that must never be in an image. */
const DEV_ONLY = [
  /^vitest@/,
  /^vite@/,
  /^s3rver@/,
  /^@sluice\+intercom-simulator@/,
  /^@duckdb\+/,
  /^@biomejs\+/,
  /^typescript@/,
  /^turbo@/,
];

async function deploy(pkg: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-deploy-"));
  dirs.push(dir);
  const out = join(dir, "bundle");
  await exec(
    "pnpm",
    ["--filter", pkg, "deploy", "--prod", "--offline", "--config.inject-workspace-packages=true", out],
    { cwd: REPO_ROOT, env: { ...process.env, CI: "true" }, maxBuffer: 16 * 1024 * 1024 },
  );
  return out;
}

describe.each([
  {
    pkg: "@sluice/fargate-extract",
    main: EXTRACT_MAIN,
    name: "fargate-extract",
    required: "INTERCOM_ACCESS_TOKEN",
  },
  { pkg: "@sluice/fargate-load", main: LOAD_MAIN, name: "fargate-load", required: "DB_HOST" },
])("$pkg production bundle", ({ pkg, main, name, required }) => {
  it("runs on its own and holds no dev-only package", async () => {
    assertBuilt(main);
    const out = await deploy(pkg);
    expect(existsSync(join(out, "dist/main.js"))).toBe(true);
    // the bundle's own sources only: no tests, no TypeScript sources
    const distFiles = await readdir(join(out, "dist"));
    expect(distFiles.filter((f) => f.endsWith(".test.js"))).toEqual([]);
    expect(existsSync(join(out, "src"))).toBe(false);

    const installed = await readdir(join(out, "node_modules/.pnpm"));
    const leaked = installed.filter((p) => DEV_ONLY.some((re) => re.test(p)));
    expect(leaked).toEqual([]);

    // the shared task plumbing is in, and the Sentry SDK it imports lazily (only on a reported
    // failure, so the run below would not notice it missing) resolves from it
    expect(installed.some((p) => p.startsWith("@sluice+app-kit@"))).toBe(true);
    const appKit = join(out, "node_modules/@sluice/app-kit");
    const sentry = await exec(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("@sentry/core"); console.log(typeof m.ServerRuntimeClient)',
      ],
      { cwd: appKit },
    );
    expect(sentry.stdout.trim()).toBe("function");

    // it starts, resolves every module, and fails cleanly on the missing configuration
    const result = await runApp(join(out, "dist/main.js"), baseEnv({}), { cwd: out });
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(new RegExp(`^${name} failed: config_invalid: `));
    expect(result.lastLine).toContain(required);
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  });
});
