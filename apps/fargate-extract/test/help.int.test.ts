// Black-box: the built app answers --help and -h with its variables and exits 0, without
// reading (or needing) any configuration.
import { appMain, baseEnv, runApp } from "@sluice/app-kit/testing";
import { describe, expect, it } from "vitest";

const main = appMain("fargate-extract");

describe("fargate-extract --help", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the variables and an example, exit 0`, async () => {
      const r = await runApp(main, baseEnv({}), { args: [flag] });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^fargate-extract: /);
      expect(r.stdout).toContain("Environment variables:");
      expect(r.stdout).toMatch(/\nExample:\n {2}\S.*\n$/);
      expect(r.stdout).toMatch(/^ {2}INTERCOM_ACCESS_TOKEN +required /m);
      expect(r.stdout).toMatch(/^ {2}S3_BUCKET +required /m);
      expect(r.stdout).toMatch(/^ {2}LOG_LEVEL +default info /m);
    });
  }
});
