import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "sluice-source"
// export condition, so tests never depend on a stale dist/.
export default defineConfig({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "infra/src/**/*.test.ts",
    ],
    pool: "forks",
    // s3rver (the local S3 in integration tests) needs the legacy OpenSSL provider for its
    // MD5-based list pagination; only the test workers get it, never the apps. --expose-gc lets
    // memory tests measure live heap after a full collection.
    execArgv: ["--openssl-legacy-provider", "--expose-gc"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
