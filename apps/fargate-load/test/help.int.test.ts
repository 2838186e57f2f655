// Black-box: the built app answers --help and -h with its variables and exits 0, without
// reading (or needing) any configuration.
import { appMain, baseEnv, runApp } from "@sluice/app-kit/testing";
import { describe, expect, it } from "vitest";

const main = appMain("fargate-load");

describe("fargate-load --help", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the variables and an example, exit 0`, async () => {
      const r = await runApp(main, baseEnv({}), { args: [flag] });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^fargate-load: /);
      expect(r.stdout).toContain("Environment variables:");
      expect(r.stdout).toMatch(/\nExample:\n {2}\S.*\n$/);
      expect(r.stdout).toMatch(/^ {2}S3_BUCKET +required /m);
      expect(r.stdout).toMatch(/^ {2}LOG_LEVEL +default info /m);
    });
  }
});
