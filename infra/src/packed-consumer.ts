/**
 * Support for packed-tarballs.int.test.ts: the public packages as npm would publish them
 * (`pnpm pack`), a fresh consumer project outside the workspace that installs those tarballs,
 * and the consumer's programs (plain JavaScript using only the packages' public entry points).
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./app.js";

export const run = promisify(execFile);

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  exports?: Record<string, unknown>;
  engines?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  repository?: { type?: string; url?: string; directory?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface PublicPackage {
  /** The folder under packages/. */
  folder: string;
  manifest: Manifest;
}

/** Every package under packages/ that is not `private`, as the workspace declares it. */
export async function publicPackages(): Promise<PublicPackage[]> {
  const folders = (await readdir(join(REPO_ROOT, "packages"))).sort();
  const all = await Promise.all(
    folders.map(async (folder) => {
      const text = await readFile(join(REPO_ROOT, "packages", folder, "package.json"), "utf8");
      return { folder, manifest: JSON.parse(text) as Manifest };
    }),
  );
  return all.filter((p) => !p.manifest.private);
}

export interface Tarball {
  /** Its path. */
  filename: string;
  /** The files in it, relative to the package root. */
  files: string[];
}

/** `pnpm pack` each package into `dest` (two at a time: 2-core machines), by package name. */
export async function packAll(packages: PublicPackage[], dest: string): Promise<Record<string, Tarball>> {
  const tarballs: Record<string, Tarball> = {};
  for (let i = 0; i < packages.length; i += 2) {
    await Promise.all(
      packages.slice(i, i + 2).map(async ({ folder, manifest }) => {
        const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", dest], {
          cwd: join(REPO_ROOT, "packages", folder),
        });
        const packed = JSON.parse(stdout) as { filename: string; files: Array<{ path: string }> };
        tarballs[manifest.name] = {
          filename: packed.filename,
          files: packed.files.map((f) => f.path).sort(),
        };
      }),
    );
  }
  return tarballs;
}

/**
 * A project outside the workspace depending on every tarball (the `overrides` make the packages'
 * own `@sluice/*` dependencies resolve to the tarballs too). Optional peers are not installed:
 * what works here works without them. Third-party packages come from the local store first.
 */
export async function installConsumer(app: string, tarballs: Record<string, Tarball>): Promise<void> {
  const spec = Object.fromEntries(Object.entries(tarballs).map(([name, t]) => [name, `file:${t.filename}`]));
  await mkdir(app, { recursive: true });
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: spec,
      pnpm: { overrides: spec },
    }),
  );
  await run("pnpm", ["install", "--prefer-offline", "--config.auto-install-peers=false"], { cwd: app });
}

const BUILTINS = new Set(builtinModules);

/** The packages a module imports (static `from "…"`, `import "…"` and dynamic `import("…")`), builtins left out. */
export function importedPackages(code: string): string[] {
  const specifiers = [
    ...code.matchAll(/\bfrom\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  const names = specifiers
    .filter((s) => !s.startsWith(".") && !s.startsWith("node:"))
    .map((s) =>
      s
        .split("/")
        .slice(0, s.startsWith("@") ? 2 : 1)
        .join("/"),
    )
    .filter((name) => !BUILTINS.has(name));
  return [...new Set(names)].sort();
}

/**
 * Imports each entry point and reports, per specifier: where it resolved, and the `typeof` of
 * each named export, or the error code and the package it could not find.
 */
export const EXPORTS_PROGRAM = `
const entries = JSON.parse(process.env.ENTRIES);
const out = {};
for (const [spec, names] of Object.entries(entries)) {
  let resolved;
  try {
    resolved = import.meta.resolve(spec);
    const mod = await import(spec);
    out[spec] = { resolved, exports: Object.fromEntries(names.map((n) => [n, typeof mod[n]])) };
  } catch (e) {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(e.message)?.[1];
    out[spec] = { resolved, error: e.code, missing };
  }
}
console.log(JSON.stringify(out));
`;

/** An inline source → the S3 sink → a local S3 (env BUCKET, CLIENT_CONFIG). */
export const S3_PROGRAM = `
import { runPipeline, silentLogger } from "@sluice/core";
import { extensionFor } from "@sluice/formats";
import { s3Sink } from "@sluice/sink-s3";

const users = [{ id: 1, name: "ada" }, { id: 2, name: "grace" }, { id: 3, name: "linus" }];
const source = {
  name: "inline",
  async discover() { return [{ name: "users", primaryKey: ["id"] }]; },
  async *read() { yield { kind: "records", records: users }; },
};
const format = { format: "jsonl", gzip: true };
const sink = s3Sink({
  bucket: process.env.BUCKET,
  keyTemplate: "out/{stream}.{ext}",
  format,
  clientConfig: JSON.parse(process.env.CLIENT_CONFIG),
});
const report = await runPipeline({ source, sink, logger: silentLogger() });
console.log(JSON.stringify({ ext: extensionFor(format), records: report.streams.map((s) => [s.stream, s.records]) }));
`;

/**
 * An inline source → the SQL sink (sink-aurora, mysql2) → MySQL/MariaDB at env DATABASE_URL,
 * upsert by a composite key. Prints the stream's report.
 */
export const SQL_PROGRAM = `
import { runPipeline, silentLogger } from "@sluice/core";
import { auroraSink } from "@sluice/sink-aurora";

const lines = [
  { order_id: "o-1", line_no: 1, price: 9.5, product: { sku: "a" } },
  { order_id: "o-1", line_no: 2, price: 3, product: { sku: "b" } },
  { order_id: "o-2", line_no: 1, price: 12.25, product: { sku: "c" } },
];
const source = {
  name: "inline",
  async discover() {
    return [{
      name: "order_lines",
      primaryKey: ["order_id", "line_no"],
      schema: {
        type: "object",
        properties: {
          order_id: { type: "string", maxLength: 20 },
          line_no: { type: "integer" },
          price: { type: "number" },
          product: { type: "object" },
        },
      },
    }];
  },
  async *read() { yield { kind: "records", records: lines }; },
};
const sink = auroraSink({ url: process.env.DATABASE_URL });
try {
  const report = await runPipeline({ source, sink, writeMode: "upsert", logger: silentLogger() });
  const [s] = report.streams;
  const details = s.commit?.details ?? {};
  console.log(JSON.stringify({ status: s.status, records: s.records, table: details.table, rows: details.rows }));
} finally {
  await sink.close();
}
`;
