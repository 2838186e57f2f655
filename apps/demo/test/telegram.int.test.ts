/** `pnpm demo:telegram` end to end: the built demo in a fresh directory. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runApp } from "@sluice/app-kit/testing";
import { afterAll, expect, it } from "vitest";

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/telegram.js");
let cwd: string | undefined;
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

it("simulator → webhook → raw → daily Parquet, with row counts read back", async () => {
  cwd = await mkdtemp(join(tmpdir(), "sluice-demo-telegram-"));
  const r = await runApp(
    MAIN,
    { PATH: process.env.PATH, HOME: process.env.HOME },
    {
      cwd,
      nodeArgs: ["--openssl-legacy-provider", "--disable-warning=NodeVersionSupportWarning"],
      killAfterMs: 55_000,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/webhook stored 500 raw objects/);
  const rows = Number(/\(([\d.,]+ \w+), ([\d,]+) rows\)/.exec(r.stdout)?.[2]?.replace(/,/g, ""));
  const perType = [
    ...r.stdout.matchAll(/^\s+(message|edited_message|channel_post|edited_channel_post)\s+(\d+)$/gm),
  ].map((m) => Number(m[2]));
  expect(perType).toHaveLength(4);
  expect(perType.reduce((a, b) => a + b, 0)).toBe(rows);
  expect(rows).toBeGreaterThan(450); // 500 updates, a few callback queries carry no message
});
