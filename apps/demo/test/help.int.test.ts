// Black-box: the built app answers --help and -h with its variables and exits 0, without
// reading (or needing) any configuration.
import { appMain, baseEnv, runApp } from "@sluice/app-kit/testing";
import { describe, expect, it } from "vitest";

const main = appMain("demo");

describe("demo --help", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the variables and an example, exit 0`, async () => {
      const r = await runApp(main, baseEnv({}), { args: [flag], nodeArgs: ["--openssl-legacy-provider"] });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^demo: /);
      expect(r.stdout).toContain("Environment variables:");
      expect(r.stdout).toMatch(/\nExample:\n {2}\S.*\n$/);
    });
  }
});
