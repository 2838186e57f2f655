// Every ```ts block of every README.md in the repository is typechecked against the workspace
// packages (strict, tsconfig.base.json, the packages' TypeScript sources); a block preceded by
// `<!-- run -->` is also executed (it must stand alone: local simulators, s3rver, port 0).
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, ".readme-examples", String(process.pid));

interface Example {
  readme: string;
  /** 1-based line of the first code line in the README. */
  line: number;
  code: string;
  run: boolean;
  file: string;
}

/** The ```ts blocks of one markdown text; `<!-- run -->` on the line before marks a runnable one. */
function extractExamples(readme: string, text: string): Omit<Example, "file">[] {
  const lines = text.split("\n");
  const out: Omit<Example, "file">[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]?.trim() ?? "")) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]?.trim() === "") prev--;
    out.push({
      readme,
      line: start + 1,
      code: lines.slice(start, end).join("\n"),
      run: prev >= 0 && lines[prev]?.trim() === "<!-- run -->",
    });
    i = end;
  }
  return out;
}

function readmes(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*README.md"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f && !f.includes("node_modules/") && existsSync(join(root, f)));
}

/** Every workspace package: name → folder. */
function workspacePackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of ["packages", "apps", "bench", "infra"]) {
    const dirs = group === "bench" || group === "infra" ? [join(root, group)] : subdirs(join(root, group));
    for (const dir of dirs) {
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) found.set((JSON.parse(readFileSync(pkg, "utf8")) as { name: string }).name, dir);
    }
  }
  return found;
}

function subdirs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(dir, d.name))
    : [];
}

/** "@sluice/core/testing" → [<root>/packages/core/src/testing/index.ts], from each exports map. */
function sourcePaths(packages: Map<string, string>): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const [name, dir] of packages) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      exports?: Record<string, { "sluice-source"?: string } | string>;
    };
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === "object" ? target["sluice-source"] : undefined;
      if (source) paths[name + sub.slice(1)] = [join(dir, source)];
    }
  }
  return paths;
}

/** Bare package names an example imports: "@aws-sdk/client-s3/x" → "@aws-sdk/client-s3". */
function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["']([^"'.][^"']*)["']/g)) {
    const spec = m[1] ?? "";
    if (spec.startsWith("node:")) continue;
    const parts = spec.split("/");
    names.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec));
  }
  return [...names];
}

/**
 * A node_modules next to the examples: workspace packages linked to their folders (resolved to
 * their sources through the "sluice-source" condition), other packages to a workspace package's copy.
 */
function linkDependencies(examples: Example[], packages: Map<string, string>): void {
  const modules = join(work, "node_modules");
  const wanted = new Set(examples.flatMap((e) => importedPackages(e.code)));
  for (const name of wanted) {
    const target = packages.get(name) ?? findInstalled(name, [...packages.values()]);
    if (!target) continue; // reported by tsc as a missing module
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(target, join(modules, name), "dir");
  }
}

function findInstalled(name: string, dirs: string[]): string | undefined {
  for (const dir of [root, ...dirs]) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  return undefined;
}

function writeExamples(): Example[] {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const examples: Example[] = [];
  for (const readme of readmes()) {
    const found = extractExamples(readme, readFileSync(join(root, readme), "utf8"));
    for (const e of found) {
      const file = join(work, `${readme.replace(/[/.]/g, "_")}_L${e.line}.mts`);
      // `export {}` makes every block a module (top-level await, no shared globals)
      writeFileSync(file, `${e.code}\nexport {};\n`);
      examples.push({ ...e, file });
    }
  }
  const packages = workspacePackages();
  linkDependencies(examples, packages);
  writeFileSync(
    join(work, "tsconfig.json"),
    JSON.stringify({
      extends: relative(work, join(root, "tsconfig.base.json")),
      compilerOptions: {
        noEmit: true,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        customConditions: ["sluice-source"],
        // "types" comes first in the exports maps (for consumers of dist/): point every workspace
        // entry at its TypeScript source instead, so examples check against the code as it is
        paths: sourcePaths(packages),
        typeRoots: [join(root, "node_modules/@types")],
        allowImportingTsExtensions: true,
      },
      files: examples.map((e) => e.file),
    }),
  );
  return examples;
}

/** tsc's errors, each mapped back to its README and line. */
function typecheck(examples: Example[]): string[] {
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", work], {
      cwd: work,
      encoding: "utf8",
      stdio: "pipe",
    });
    return [];
  } catch (e) {
    const output = String((e as { stdout?: string }).stdout ?? e);
    return output
      .split("\n")
      .filter((l) => /error TS\d+/.test(l))
      .map((l) => {
        const m = /^(.+?\.mts)\((\d+),(\d+)\): (.*)$/.exec(l.trim());
        const ex = m ? examples.find((x) => x.file.endsWith(m[1]?.split("/").at(-1) ?? "")) : undefined;
        return ex && m ? `${ex.readme}:${ex.line + Number(m[2]) - 1}: ${m[4]}` : l;
      });
  }
}

const examples = writeExamples();

afterAll(() => rmSync(join(root, ".readme-examples"), { recursive: true, force: true }));

describe("README examples", () => {
  it("extracts blocks and the run marker", () => {
    const text = [
      "# x",
      "```ts",
      "const a = 1;",
      "```",
      "",
      "<!-- run -->",
      "",
      "```ts",
      "const b = 2;",
      "```",
    ];
    expect(extractExamples("R.md", text.join("\n"))).toEqual([
      { readme: "R.md", line: 3, code: "const a = 1;", run: false },
      { readme: "R.md", line: 9, code: "const b = 2;", run: true },
    ]);
    expect(examples.length).toBeGreaterThan(5);
  });

  it("every ```ts block typechecks against the workspace packages", () => {
    expect(typecheck(examples)).toEqual([]);
  }, 180_000);

  for (const e of examples.filter((x) => x.run)) {
    it(`runs ${e.readme}:${e.line}`, async () => {
      await import(pathToFileURL(e.file).href);
    });
  }
});
