import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { startSimulator } from "@sluice/intercom-simulator";
import { afterEach, describe, expect, it, vi } from "vitest";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("./readme-example.generated.ts", import.meta.url));

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(EXAMPLE, { force: true });
});

describe("README", () => {
  it("the example runs against the simulator: a full run, then an incremental one", async () => {
    const text = await readFile(README, "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
    expect(block).toBeDefined();
    const sim = await startSimulator({ seed: 4, contacts: 60, conversations: 10, rateLimit: false });
    const logs: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void logs.push(a.join(" ")));
    try {
      vi.stubEnv("INTERCOM_TOKEN", sim.token);
      vi.stubEnv("INTERCOM_API_URL", sim.url);
      await writeFile(EXAMPLE, `${block}\nexport {};\n`);
      await import(/* @vite-ignore */ `${EXAMPLE}?t=${Date.now()}`);
    } finally {
      log.mockRestore();
      await sim.close();
    }
    // the incremental run after an untouched full run reads (almost) nothing
    expect(logs.at(-1)).toMatch(/^contacts: \d+, conversations: \d+$/);
  });
});
