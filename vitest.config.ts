import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "sluice-source"
// export condition, so tests never depend on a stale dist/.
export default defineConfig({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
