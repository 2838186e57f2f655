// Black-box, at a terminal: util-linux `script` gives the app a pseudo-TTY, as a person running
// it by hand would. A bad configuration prints readable lines and the one useful line, no JSON
// and no stack trace. (Containers keep JSON lines: load.int.test.ts parses them.)
import { execFileSync, spawnSync } from "node:child_process";
import { appMain, assertBuilt, REPO_ROOT } from "@sluice/app-kit/testing";
import { describe, expect, it } from "vitest";

const main = appMain("fargate-load");
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("fargate-load at a terminal", () => {
  it.skipIf(!hasScript)("a bad configuration: readable lines, no JSON, no stack, the --help hint", () => {
    assertBuilt(main);
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(main)}; echo "exit=$?"`;
    const r = spawnSync("script", ["-qec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DB_PASSWORD: "user", TERM: "dumb" },
      timeout: 30_000,
    });
    const out = r.stdout.replace(/\r/g, "");
    expect(out).toContain("exit=1");
    expect(out).not.toMatch(/^\{"level"/m);
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).toMatch(/^\d\d:\d\d:\d\d ERROR fargate-load: fargate-load failed {2}code=config_invalid$/m);
    expect(out).toContain(
      "fargate-load failed: config_invalid: invalid fargate-load environment: S3_BUCKET is required; DB_HOST is required (or set DATABASE_URL)",
    );
    expect(out).toContain("(fargate-load --help lists the variables)");
    expect(out).not.toContain("[REDACTED]"); // DB_PASSWORD=user masks no word
    expect(out.length).toBeLessThan(1_000);
  });
});
