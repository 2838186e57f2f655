/**
 * The packages as npm users get them: `pnpm pack` every public package (the packed manifests have
 * `workspace:*` replaced by versions), install all the tarballs into a fresh project outside the
 * workspace, check what each one ships, import every entry point from the consumer, and run
 * pipelines with them (an inline source → the S3 sink → a local S3; → the SQL sink → MariaDB).
 * Proves the published `exports`, `files` and dependencies are enough, without optional peers.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./app.js";
import {
  EXPORTS_PROGRAM,
  importedPackages,
  installConsumer,
  type Manifest,
  packAll,
  publicPackages,
  run,
  S3_PROGRAM,
  SQL_PROGRAM,
  type Tarball,
} from "./packed-consumer.js";

const BUCKET = "packed-tarballs";
const MYSQL = { host: "127.0.0.1", port: 3306, user: "root" };

/**
 * Every public entry point (package and subpath export) and exports it must have. An entry that
 * needs an optional peer names it: without the peer, importing it must fail on exactly that peer.
 */
const ENTRY_POINTS: Record<string, { exports: string[]; optionalPeer?: string }> = {
  "@sluice/core": { exports: ["runPipeline", "runContinuous", "SluiceError", "memoryStateStore"] },
  "@sluice/core/testing": { exports: ["memorySource", "memorySink", "manualClock"] },
  "@sluice/core/conformance": { exports: ["runSinkConformance"], optionalPeer: "vitest" },
  "@sluice/formats": { exports: ["createEncoder", "decodeRecords", "extensionFor"] },
  "@sluice/s3-common": { exports: ["resolveClient", "toS3Error"] },
  "@sluice/sink-aurora": { exports: ["auroraSink", "mysqlDialect"] },
  "@sluice/sink-bigquery": { exports: ["bigQuerySink", "bigQueryStateStore"] },
  "@sluice/sink-mongodb": { exports: ["mongoSink", "isRetryableMongoError"] },
  "@sluice/sink-s3": { exports: ["s3Sink", "s3StateStore"] },
  "@sluice/sink-s3/testing": { exports: ["startS3rver"], optionalPeer: "s3rver" },
  "@sluice/source-intercom": { exports: ["intercomSource", "INTERCOM_STREAMS"] },
  "@sluice/source-s3": { exports: ["s3Source"] },
  "@sluice/source-stomp": { exports: ["stompSource", "stompPublisher"] },
  "@sluice/source-stomp/testing": { exports: ["publish", "drain"] },
  "@sluice/source-telegram": { exports: ["telegramWebhook", "lambdaHandler", "telegramPollingSource"] },
};

/** What a package may ship at its top level; the first four it must. */
const SHIPPED = ["dist", "package.json", "LICENSE", "README.md", "CHANGELOG.md"];

const PACKAGES = await publicPackages();

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
  let app: string;
  let s3: S3rverHandle;
  let database: string | undefined;
  let tarballs: Record<string, Tarball>;
  const installed = (name: string) => join(app, "node_modules", name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-packed-"));
    app = join(dir, "app");
    s3 = await startS3rver({ buckets: [BUCKET] });
    // dist/ is what gets packed (pnpm test has built it; turbo makes this a cache hit)
    const filters = PACKAGES.map((p) => `--filter=${p.manifest.name}`);
    await run("pnpm", ["exec", "turbo", "run", "build", ...filters], { cwd: REPO_ROOT });
    tarballs = await packAll(PACKAGES, join(dir, "tarballs"));
    await installConsumer(app, tarballs);
    await writeFile(join(app, "exports.mjs"), EXPORTS_PROGRAM);
    await writeFile(join(app, "pipeline.mjs"), S3_PROGRAM);
    await writeFile(join(app, "sql.mjs"), SQL_PROGRAM);
    await writeFile(join(app, "readme.mjs"), await readmeExample());
  }, 240_000);

  afterAll(async () => {
    await s3?.close();
    if (database) {
      const admin = await mysql.createConnection(MYSQL);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("covers every public package and entry point (none is missed, none is left over)", () => {
    const specs = PACKAGES.flatMap(({ manifest }) =>
      Object.keys(manifest.exports ?? { ".": "" }).map((sub) => manifest.name + sub.slice(1)),
    );
    expect(specs.sort()).toEqual(Object.keys(ENTRY_POINTS).sort());
    expect(PACKAGES.length).toBeGreaterThanOrEqual(11);
  });

  it.each(PACKAGES.map((p) => [p.manifest.name, p.folder] as const))(
    "%s: ships dist, LICENSE and README only, with versions instead of workspace: links",
    async (name, folder) => {
      const root = installed(name);
      const top = [...new Set(tarballs[name]!.files.map((f) => f.split("/")[0]!))];
      expect(top).toEqual(expect.arrayContaining(SHIPPED.slice(0, 4)));
      expect(top.filter((f) => !SHIPPED.includes(f))).toEqual([]);
      expect(await readFile(join(root, "LICENSE"), "utf8")).toBe(
        await readFile(join(REPO_ROOT, "LICENSE"), "utf8"),
      );
      expect(await readFile(join(root, "README.md"), "utf8")).toBe(
        await readFile(join(REPO_ROOT, "packages", folder, "README.md"), "utf8"),
      );

      const text = await readFile(join(root, "package.json"), "utf8");
      const manifest = JSON.parse(text) as Manifest;
      expect(text).not.toContain("workspace:");
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (!dep.startsWith("@sluice/")) continue;
        const target = PACKAGES.find((p) => p.manifest.name === dep);
        expect(target, `${dep} is not a public package`).toBeDefined();
        expect(range).toBe(target!.manifest.version);
      }
      expect(manifest.repository).toMatchObject({ type: "git", directory: `packages/${folder}` });
      expect(manifest.repository?.url).toMatch(/^git\+https:\/\/[^/]+\/[\w.-]+\/[\w.-]+\.git$/);
      expect(manifest.license).toBe("Apache-2.0");
      expect(manifest.engines?.node).toBe(">=20.19");
      expect(manifest.publishConfig).toEqual({ access: "public", provenance: true });
    },
  );

  it.each(PACKAGES.map((p) => [p.manifest.name] as const))(
    "%s: dist has no tests and imports only its declared dependencies",
    async (name) => {
      const root = installed(name);
      const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Manifest;
      const files = tarballs[name]!.files.filter((f) => f.startsWith("dist/")).map((f) => f.slice(5));
      expect(files.filter((f) => /\.test\.|test-support|simulator/.test(f))).toEqual([]);
      const declared = new Set([
        name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const undeclared: string[] = [];
      for (const file of files.filter((f) => f.endsWith(".js"))) {
        const code = await readFile(join(root, "dist", file), "utf8");
        for (const pkg of importedPackages(code))
          if (!declared.has(pkg)) undeclared.push(`dist/${file}: ${pkg}`);
      }
      expect(undeclared).toEqual([]);
    },
  );

  it("installs no optional peer (sql.js, vitest, s3rver): the checks below run without them", async () => {
    const store = await readdir(join(app, "node_modules/.pnpm"));
    for (const peer of ["sql.js", "vitest", "s3rver"]) {
      expect(store.filter((entry) => entry.startsWith(`${peer}@`))).toEqual([]);
    }
  });

  it("resolves and imports every entry point from the consumer project", async () => {
    const entries = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, e]) => [spec, e.exports]));
    const { stdout } = await run("node", ["exports.mjs"], {
      cwd: app,
      env: { PATH: process.env.PATH, ENTRIES: JSON.stringify(entries) },
    });
    const results = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<
      string,
      { resolved?: string; exports?: Record<string, string>; error?: string; missing?: string }
    >;
    for (const [spec, entry] of Object.entries(ENTRY_POINTS)) {
      const pkg = spec.split("/").slice(0, 2).join("/");
      const result = results[spec]!;
      expect(result.resolved, spec).toMatch(new RegExp(`/node_modules/${pkg}/dist/.+\\.js$`));
      if (entry.optionalPeer) {
        // the only thing missing is the declared optional peer
        expect(result, spec).toMatchObject({ error: "ERR_MODULE_NOT_FOUND", missing: entry.optionalPeer });
        const manifest = PACKAGES.find((p) => p.manifest.name === pkg)!.manifest;
        expect(manifest.peerDependenciesMeta?.[entry.optionalPeer]?.optional, spec).toBe(true);
      } else {
        expect(result.error, `${spec}: ${result.error} ${result.missing ?? ""}`).toBeUndefined();
        for (const name of entry.exports)
          expect(result.exports?.[name], `${spec} ${name}`).not.toBe("undefined");
      }
    }
  });

  it("runs a pipeline with them: inline source → S3 sink → local S3", async () => {
    const { stdout } = await run("node", ["pipeline.mjs"], {
      cwd: app,
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

  it("runs a pipeline with them: inline source → SQL sink (mysql2) → MariaDB, upsert by a composite key", async () => {
    database = `sluice_packed_${randomBytes(5).toString("hex")}`;
    const admin = await mysql.createConnection(MYSQL);
    try {
      await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const env = { PATH: process.env.PATH, DATABASE_URL: `mysql://root@127.0.0.1:3306/${database}` };
      for (const attempt of [1, 2]) {
        // the second run upserts the same keys: still three rows
        const { stdout } = await run("node", ["sql.mjs"], { cwd: app, env });
        expect(JSON.parse(stdout.trim().split("\n").at(-1)!), `run ${attempt}`).toEqual({
          status: "committed",
          records: 3,
          table: "order_lines",
          rows: 3,
        });
      }
      const [rows] = await admin.query(
        `SELECT order_id, line_no, price FROM \`${database}\`.order_lines ORDER BY order_id, line_no`,
      );
      expect(rows).toEqual([
        { order_id: "o-1", line_no: 1, price: 9.5 },
        { order_id: "o-1", line_no: 2, price: 3 },
        { order_id: "o-2", line_no: 1, price: 12.25 },
      ]);
    } finally {
      await admin.end();
    }
  });

  it("runs the example of @sluice/core's README against them", async () => {
    const { stdout } = await run("node", ["readme.mjs"], {
      cwd: app,
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
