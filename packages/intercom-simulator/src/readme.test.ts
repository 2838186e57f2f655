import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("./readme-example.generated.ts", import.meta.url));

afterEach(async () => {
  await rm(EXAMPLE, { force: true });
});

describe("README", () => {
  it("the usage example runs (start, fetch, mutate, inject faults, close)", async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(await readFile(README, "utf8"))?.[1];
    expect(block).toBeDefined();
    // the example's last statement closes the simulator; expose `res` to check it ran
    await writeFile(EXAMPLE, `${block}\nexport const status = res.status;\n`);
    const mod = (await import(/* @vite-ignore */ `${EXAMPLE}?t=${Date.now()}`)) as { status: number };
    expect(mod.status).toBe(200);
  });
});
