import { defineConfig } from "vitest/config";

const roots = ["packages/*/src/**/", "apps/*/src/**/", "apps/*/test/**/", "infra/src/**/", "scripts/"];

// Workspace packages resolve to their TypeScript sources through the "sluice-source"
// export condition, so tests never depend on a stale dist/.
export default defineConfig({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: {
    pool: "forks",
    // s3rver (the local S3 in integration tests) needs the legacy OpenSSL provider for its
    // MD5-based list pagination; only the test workers get it, never the apps. --expose-gc lets
    // memory tests measure live heap after a full collection.
    execArgv: ["--openssl-legacy-provider", "--expose-gc"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./scripts/summary-reporter.ts"],
    // `vitest run --project unit` (pnpm test:unit): *.test.ts without *.int.test.ts, no services
    // needed; `--project int`: *.int.test.ts, against MariaDB, ActiveMQ, s3rver, simulators.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: roots.map((r) => `${r}*.test.ts`),
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      { extends: true, test: { name: "int", include: roots.map((r) => `${r}*.int.test.ts`) } },
    ],
  },
});
