import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it, vi } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));

it("the README example runs and prints what its comment says", async () => {
  const text = await readFile(join(pkg, "README.md"), "utf8");
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(1);
  const code = blocks[0]!.replaceAll('"@sluice/sink-aurora"', JSON.stringify(join(pkg, "src/index.ts")));
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!);
  // inside the package, so its dependencies (core, sql.js) resolve
  const dir = await mkdtemp(join(pkg, ".readme-"));
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    const file = join(dir, "example.ts");
    await writeFile(file, code);
    await import(file);
  } finally {
    spy.mockRestore();
    await rm(dir, { recursive: true, force: true });
  }
  expect(lines).toEqual(expected);
});
