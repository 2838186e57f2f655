import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";

const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));
const src = fileURLToPath(new URL(".", import.meta.url));

/** The README's ```ts blocks, with the package's entry points pointed at its sources. */
async function examples(): Promise<string[]> {
  const text = await readFile(readmePath, "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .replaceAll('"@sluice/core/testing"', JSON.stringify(join(src, "testing/index.ts")))
      .replaceAll('"@sluice/core"', JSON.stringify(join(src, "index.ts"))),
  );
}

/** What each example prints, as its `// comment` after each console.log says. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!);
}

describe("packages/core README", () => {
  it("has one example per mode", async () => {
    const blocks = await examples();
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain("runPipeline(");
    expect(blocks[1]).toContain("runContinuous(");
  });

  it("every example runs and prints what its comments say", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-readme-"));
    const blocks = await examples();
    for (const [i, code] of blocks.entries()) {
      const file = join(dir, `example-${i}.ts`);
      await writeFile(file, code);
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
      try {
        await import(file);
      } finally {
        spy.mockRestore();
      }
      expect(lines, `example ${i}`).toEqual(expectedOutput(code));
    }
  });

  it("every example compiles (strict TypeScript)", async () => {
    const dir = await mkdtemp(join(src, "..", ".readme-check-"));
    const blocks = await examples();
    for (const [i, code] of blocks.entries()) {
      await writeFile(join(dir, `example-${i}.ts`), code.replaceAll('.ts"', '.js"'));
    }
    const tsconfig = {
      extends: join(src, "..", "tsconfig.json"),
      compilerOptions: { noEmit: true, rootDir: join(src, ".."), allowImportingTsExtensions: false },
      include: [join(dir, "*.ts")],
    };
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const result = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
    await import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true, force: true }));
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
