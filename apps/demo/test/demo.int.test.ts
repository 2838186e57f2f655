/** `pnpm demo` end to end: the built demo in a fresh directory, as a developer would run it. */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runApp } from "@sluice/app-kit/testing";
import { afterAll, describe, expect, it } from "vitest";

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");
let cwd: string | undefined;
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** The built demo, run in `dir` as `pnpm demo` runs it (s3rver needs the legacy OpenSSL provider). */
const run = (dir: string) =>
  runApp(
    MAIN,
    { PATH: process.env.PATH, HOME: process.env.HOME },
    {
      cwd: dir,
      nodeArgs: ["--openssl-legacy-provider"],
      killAfterMs: 55_000,
    },
  );

const row = (stdout: string, first: string) =>
  stdout
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}/))
    .find((cells) => cells[0] === first);
const num = (s: string | undefined) => Number((s ?? "").replace(/,/g, ""));

describe("demo", () => {
  it("runs the whole job on embedded services and prints a summary", async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` first (pnpm test does)`);
    cwd = await mkdtemp(join(tmpdir(), "sluice-demo-"));
    const { code, stdout, stderr } = await run(cwd);
    expect(stderr).toBe("");
    expect(code).toBe(0);

    // records per stream, S3 objects, tables and row counts
    expect(num(row(stdout, "contacts")?.[1])).toBe(2000);
    expect(num(row(stdout, "conversations")?.[1])).toBe(300);
    expect(row(stdout, "s3://sluice-demo/data/users.json")).toBeDefined();
    expect(row(stdout, "s3://sluice-demo/data/conversations.json")).toBeDefined();
    expect(num(row(stdout, "users")?.[1])).toBe(2000);
    expect(num(row(stdout, "conversation")?.[1])).toBe(300);
    expect(num(row(stdout, "conversation_part")?.[1])).toBeGreaterThan(300);
    expect(stdout).toMatch(/Done in /);

    // the files it points at exist
    expect(existsSync(join(cwd, ".demo/warehouse.sqlite"))).toBe(true);
    expect(existsSync(join(cwd, ".demo/s3/sluice-demo"))).toBe(true);
  });
});
