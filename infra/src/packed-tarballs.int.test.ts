/**
 * The packages as npm users get them: `pnpm pack` core, formats, s3-common and sink-s3 (the
 * packed manifests have `workspace:*` replaced by versions), install the tarballs into a fresh
 * project outside the workspace, and run a small pipeline with them (an inline source → the S3
 * sink → a local S3). Proves the published `exports`, `files` and dependencies are enough.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./app.js";

const run = promisify(execFile);
const PACKAGES = ["core", "formats", "s3-common", "sink-s3"];
const BUCKET = "packed-tarballs";

/** The consumer's program: only the packages' public entry points. */
const PIPELINE = `
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
 * The ```ts example of packages/core/README.md, run as written except for its `clientConfig`
 * line, which points it at the local S3, and its `as const` (otherwise the code is plain JavaScript).
 */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, "packages/core/README.md"), "utf8");
  const code = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((block) => block.includes("const clientConfig"));
  const configLine = /^const clientConfig = .*;$/m;
  if (!code || !configLine.test(code))
    throw new Error("packages/core/README.md: example or its clientConfig line is missing");
  return code
    .replace(configLine, "const clientConfig = JSON.parse(process.env.CLIENT_CONFIG);")
    .replaceAll("my-data-lake", BUCKET)
    .replaceAll(" as const", ""); // the one TypeScript-only construct: the file runs as .mjs
}

describe("packed tarballs installed outside the workspace", () => {
  let dir: string;
  let s3: S3rverHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-packed-"));
    s3 = await startS3rver({ buckets: [BUCKET] });
    // dist/ is what gets packed (pnpm test has built it; turbo makes this a cache hit)
    await run("pnpm", ["exec", "turbo", "run", "build", "--filter=@sluice/sink-s3..."], { cwd: REPO_ROOT });
    const tarballs = join(dir, "tarballs");
    for (const pkg of PACKAGES) {
      await run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: join(REPO_ROOT, "packages", pkg) });
    }
    const files = await readdir(tarballs);
    const spec = Object.fromEntries(
      PACKAGES.map((pkg) => [
        `@sluice/${pkg}`,
        `file:${join(tarballs, files.find((f) => f.startsWith(`sluice-${pkg}-`))!)}`,
      ]),
    );
    const app = join(dir, "app");
    await run("mkdir", ["-p", app]);
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
    await writeFile(join(app, "pipeline.mjs"), PIPELINE);
    await writeFile(join(app, "readme.mjs"), await readmeExample());
    // the registry for third-party dependencies, the local store first
    await run("pnpm", ["install", "--prefer-offline", "--config.auto-install-peers=false"], { cwd: app });
  }, 180_000);

  afterAll(async () => {
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs the published shape: dist only, versions instead of workspace: links", async () => {
    const sinkManifest = JSON.parse(
      await readFile(join(dir, "app/node_modules/@sluice/sink-s3/package.json"), "utf8"),
    );
    expect(JSON.stringify(sinkManifest.dependencies)).not.toContain("workspace:");
    expect(sinkManifest.dependencies["@sluice/core"]).toMatch(/^\d+\.\d+\.\d+/);
    const contents = await readdir(join(dir, "app/node_modules/@sluice/core"));
    expect(contents).toEqual(expect.arrayContaining(["dist", "package.json", "LICENSE"]));
    expect(contents).not.toContain("src");
  });

  it("runs a pipeline with them: inline source → S3 sink → local S3", async () => {
    const { stdout } = await run("node", ["pipeline.mjs"], {
      cwd: join(dir, "app"),
      env: { PATH: process.env.PATH, BUCKET, CLIENT_CONFIG: JSON.stringify(s3.clientConfig) },
    });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      ext: "jsonl.gz",
      records: [["users", 3]],
    });
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "out/users.jsonl.gz" }));
    const text = gunzipSync(await object.Body!.transformToByteArray()).toString("utf8");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((u) => u.id)).toEqual([1, 2, 3]);
  });

  it("runs the example of @sluice/core's README against them", async () => {
    const { stdout } = await run("node", ["readme.mjs"], {
      cwd: join(dir, "app"),
      env: { PATH: process.env.PATH, CLIENT_CONFIG: JSON.stringify(s3.clientConfig) },
    });
    expect(stdout.trim()).toBe("users: 2 records");
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "raw/users.jsonl.gz" }));
    const text = gunzipSync(await object.Body!.transformToByteArray()).toString("utf8");
    expect(
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).name),
    ).toEqual(["ada", "grace"]);
  });
});
