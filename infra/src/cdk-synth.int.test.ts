/**
 * `pnpm exec cdk synth` exactly as docs/deploy.md and the infra README give it: the real CDK CLI,
 * in infra/, with no AWS credentials (no AWS_* variables, HOME an empty directory so there is
 * no ~/.aws, no instance-metadata lookup) and no network: a preload refuses every TCP connection
 * of every Node.js process involved (pnpm, the CLI, the app) and records it. Unlike the
 * in-process template tests (test-support.ts skips bundling), the Telegram Lambdas are bundled
 * by esbuild here, as `cdk deploy` does.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./app.js";

const INFRA = join(REPO_ROOT, "infra");
const STACKS = ["SluiceIntercomAurora", "SluiceTelegram", "SluiceBrokerConsumer"];
const TELEGRAM_LAMBDAS: Record<string, string> = {
  Webhook: "apps/telegram-webhook/src/lambda.ts",
  Daily: "apps/telegram-daily/src/lambda.ts",
};

/** Loaded into every Node.js process through NODE_OPTIONS: TCP is refused; local pipes (tsx's IPC) are not. */
const NO_NETWORK = `
const net = require("node:net");
const { appendFileSync } = require("node:fs");
const note = (line) => appendFileSync(process.env.SLUICE_NET_LOG, JSON.stringify(line) + "\\n");
note({ loaded: process.argv.slice(1).join(" ") });
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof options === "object" && options !== null && options.path) return connect.apply(this, args);
  const target = typeof options === "object" && options !== null ? \`\${options.host}:\${options.port}\` : String(options);
  note({ refused: target, by: process.argv.slice(1).join(" ") });
  const err = Object.assign(new Error("connect ECONNREFUSED " + target + " (network disabled by the test)"), { code: "ECONNREFUSED" });
  process.nextTick(() => this.destroy(err));
  return this;
};
`;

interface Synth {
  code: number | null;
  output: string;
  out: string;
  /** What the preload recorded: processes it was loaded into, connections it refused. */
  net: { loaded?: string; refused?: string; by?: string }[];
}

let work: string;

async function cdkSynth(name: string, args: string[]): Promise<Synth> {
  const out = join(work, name);
  const netLog = join(work, `${name}.net.log`);
  await writeFile(netLog, "");
  const env = {
    PATH: process.env.PATH,
    HOME: join(work, "home"),
    AWS_EC2_METADATA_DISABLED: "true",
    NODE_OPTIONS: `--require ${join(work, "no-network.cjs")}`,
    SLUICE_NET_LOG: netLog,
  };
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      "pnpm",
      ["exec", "cdk", "synth", "--quiet", ...args, "-o", out],
      { cwd: INFRA, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err.code as number) ?? -1) : 0, output: stdout + stderr }),
    );
  });
  const lines = (await readFile(netLog, "utf8")).split("\n").filter(Boolean);
  return { code, output, out, net: lines.map((l) => JSON.parse(l)) };
}

interface Template {
  Resources: Record<
    string,
    { Type: string; Metadata?: Record<string, string>; Properties?: Record<string, unknown> }
  >;
}

async function templates(out: string): Promise<Map<string, Template>> {
  const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === "aws:cloudformation:stack");
  const entries = await Promise.all(
    stacks.map(async ([name, a]) => {
      const file = join(out, a.properties?.templateFile ?? `${name}.template.json`);
      return [name, JSON.parse(await readFile(file, "utf8")) as Template] as const;
    }),
  );
  return new Map(entries);
}

/** Every module specifier the bundle loads: static/dynamic imports (esbuild's own analysis) and the calls of esbuild's `require` shim. */
async function loadedModules(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    external: ["*"],
    logLevel: "silent",
  });
  const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((imp) => imp.path));
  const code = await readFile(file, "utf8");
  const shim = /var ([\w$]+)=\(\w+=>typeof require<"u"\?require/.exec(code)?.[1];
  if (!shim && code.includes("Dynamic require of"))
    throw new Error(`${file}: esbuild's require shim not recognised`);
  const escaped = shim?.replace(/\$/g, "\\$");
  const required = shim
    ? [...code.matchAll(new RegExp(`[^\\w$.]${escaped}\\("([^"]+)"\\)`, "g"))].map((m) => m[1]!)
    : [];
  return [...new Set([...imports, ...required])].sort();
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (s: string) => s.startsWith("node:") || BUILTINS.has(s);

describe("pnpm exec cdk synth, without AWS credentials or network", () => {
  let plain: Synth;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "sluice-cdk-synth-"));
    await writeFile(join(work, "no-network.cjs"), NO_NETWORK);
    await mkdir(join(work, "home")); // empty: no ~/.aws/credentials or config
    plain = await cdkSynth("plain", []);
  }, 240_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("exits 0 with the network refused, and nothing tried to connect", () => {
    expect(plain.code, plain.output).toBe(0);
    const loaded = plain.net.flatMap((n) => (n.loaded ? [n.loaded] : []));
    expect(loaded.some((l) => l.includes("aws-cdk"))).toBe(true);
    expect(loaded.some((l) => l.endsWith("src/main.ts"))).toBe(true);
    expect(plain.net.filter((n) => n.refused)).toEqual([]);
  });

  it("writes every stack's template into the cloud assembly (SluiceGitHubOidc only with githubRepository)", async () => {
    const stacks = await templates(plain.out);
    expect([...stacks.keys()].sort()).toEqual([...STACKS].sort());
    for (const [name, t] of stacks) expect(Object.keys(t.Resources).length, name).toBeGreaterThan(10);
  });

  it("bundles the Telegram Lambdas with esbuild from the workspace sources, tests and workspace imports left out", async () => {
    const telegram = (await templates(plain.out)).get("SluiceTelegram")!;
    for (const [prefix, entry] of Object.entries(TELEGRAM_LAMBDAS)) {
      const fn = Object.entries(telegram.Resources).find(
        ([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith(prefix),
      );
      const assetPath = fn?.[1].Metadata?.["aws:asset:path"];
      expect(assetPath, prefix).toMatch(/^asset\.[0-9a-f]{64}$/);
      const bundle = join(plain.out, assetPath!, "index.mjs");
      const { size } = await stat(bundle);
      expect(size, prefix).toBeGreaterThan(100_000);
      expect(size, prefix).toBeLessThan(5_000_000);
      expect(await readFile(bundle, "utf8"), prefix).not.toMatch(/vitest/i);
      const foreign = (await loadedModules(bundle)).filter(
        (s) => !isBuiltin(s) && !s.startsWith("@aws-sdk/"),
      );
      expect(foreign, prefix).toEqual([]);
      const map = JSON.parse(await readFile(`${bundle}.map`, "utf8")) as { sources: string[] };
      const ours = map.sources.filter((s) => !s.includes("/node_modules/"));
      expect(
        ours.some((s) => s.endsWith(entry)),
        prefix,
      ).toBe(true);
      expect(
        ours.some((s) => /\/packages\/[\w-]+\/src\//.test(s)),
        prefix,
      ).toBe(true);
      expect(
        ours.filter((s) => /\.test\.ts$|\/testing\/|test-support/.test(s)),
        prefix,
      ).toEqual([]);
    }
  });

  it("with -c githubRepository=owner/repo, adds SluiceGitHubOidc", async () => {
    const oidc = await cdkSynth("oidc", ["-c", "githubRepository=example-org/sluice", "SluiceGitHubOidc"]);
    expect(oidc.code, oidc.output).toBe(0);
    expect(oidc.net.filter((n) => n.refused)).toEqual([]);
    expect([...(await templates(oidc.out)).keys()].sort()).toEqual([...STACKS, "SluiceGitHubOidc"].sort());
  }, 180_000);
});
