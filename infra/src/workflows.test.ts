// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions are literal ${{ … }} text
/**
 * .github/workflows/cd.yml against the CDK app: every ECR repository a stack creates
 * (`appRepository` → `sluice/<app>`) gets its image built from apps/<app>/Dockerfile and pushed by
 * the publish job whenever CDK_STACKS deploys that stack, with the tag the deploy job hands to
 * the stacks. Workflow syntax (actionlint), action pins and Dockerfile rules:
 * apps/fargate-extract/test/delivery.test.ts.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./app.js";
import { flatten, resourcesOf, synthAll } from "./test-support.js";

const run = promisify(execFile);
const read = (p: string) => readFileSync(join(REPO_ROOT, p), "utf8");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<
    string,
    { needs?: string | string[]; strategy?: { matrix?: { include?: Entry[] } }; steps: Step[] }
  >;
}
interface Entry {
  app: string;
  stack: string;
}

/** A commit SHA, as `${{ github.sha }}` is in the workflow. */
const TAG = "0123456789abcdef0123456789abcdef01234567";
const stacks = synthAll({ imageTag: TAG, githubRepository: "acme/sluice" });
/** Every ECR repository the app creates: its stack, logical id and app (`sluice/<app>`). */
const repositories = [...stacks].flatMap(([stack, json]) =>
  resourcesOf(json, "AWS::ECR::Repository").map(([logicalId, r]) => ({
    stack,
    logicalId,
    name: r.Properties!.RepositoryName as string,
  })),
);

const wf = parse(read(".github/workflows/cd.yml")) as Workflow;
const publish = wf.jobs.publish!;
const matrix = publish.strategy?.matrix?.include ?? [];
const byApp = (a: Entry, b: Entry) => a.app.localeCompare(b.app);

/** Runs the publish job's gate step as GitHub would (`bash -e`): does it publish `entry`? */
async function gate(cdkStacks: string, entry: Entry): Promise<{ publish: boolean; stdout: string }> {
  const script = publish.steps.find((s) => s.id === "gate")!.run!;
  const dir = await mkdtemp(join(tmpdir(), "sluice-gate-"));
  try {
    const output = join(dir, "output");
    const env = { PATH: process.env.PATH, CDK_STACKS: cdkStacks, APP: entry.app, STACK: entry.stack };
    const { stdout } = await run("bash", ["-e", "-c", script], { env: { ...env, GITHUB_OUTPUT: output } });
    const lines = (await readFile(output, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(1);
    return { publish: lines[0] === "publish=true", stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("CD publishes what the stacks run", () => {
  it("every ECR repository a stack creates is in the publish matrix, with that stack, and nothing else", () => {
    expect(repositories.map((r) => r.name)).toEqual(
      expect.arrayContaining(["sluice/fargate-extract", "sluice/fargate-load", "sluice/stomp-consumer"]),
    );
    for (const r of repositories) expect(r.name).toMatch(/^sluice\/[a-z0-9-]+$/);
    const created = repositories.map((r) => ({ app: r.name.slice("sluice/".length), stack: r.stack }));
    expect([...matrix].sort(byApp)).toEqual(created.sort(byApp));
  });

  it.each(matrix.map((e) => [e.app, e] as const))(
    "%s: apps/<app>/Dockerfile builds that app from the repository root (the build context)",
    (app) => {
      const dockerfile = `apps/${app}/Dockerfile`;
      expect(existsSync(join(REPO_ROOT, dockerfile)), dockerfile).toBe(true);
      expect(existsSync(join(REPO_ROOT, `${dockerfile}.dockerignore`)), `${dockerfile}.dockerignore`).toBe(
        true,
      );
      expect(JSON.parse(read(`apps/${app}/package.json`)).name).toBe(`@sluice/${app}`);
      const text = read(dockerfile);
      expect(text).toContain(`turbo run build --filter=@sluice/${app}...`);
      expect(text).toContain(`pnpm --filter @sluice/${app} deploy --prod`);
      // every COPY from the context names files that exist at the repository root
      const sources = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
    },
  );

  it("builds from the root with the app's Dockerfile and pushes sluice/<app>:<commit>, the tag deploy passes", () => {
    const build = publish.steps.find((s) => s.uses?.startsWith("docker/build-push-action@"))!;
    expect(build.with?.context).toBe(".");
    expect(build.with?.file).toBe("apps/${{ matrix.app }}/Dockerfile");
    expect(String(build.with?.tags).split("\n")).toContain(
      "${{ steps.ecr.outputs.registry }}/sluice/${{ matrix.app }}:${{ github.sha }}",
    );
    const deploy = wf.jobs.deploy!.steps.find((s) => s.run?.includes("cdk deploy"))!;
    expect(deploy.env?.IMAGE_TAG).toBe("${{ github.sha }}");
    expect(deploy.run).toContain('-c imageTag="$IMAGE_TAG"');
  });

  it.each(repositories.map((r) => [r.name, r] as const))(
    "%s: the stack's containers run the image tagged with the imageTag context",
    (_, repo) => {
      const images = resourcesOf(stacks.get(repo.stack)!, "AWS::ECS::TaskDefinition")
        .flatMap(([, def]) => def.Properties!.ContainerDefinitions as Array<{ Image: unknown }>)
        .map((c) => flatten(c.Image))
        .filter((image) => image.includes(repo.logicalId));
      expect(images.length).toBeGreaterThan(0);
      // <account>.dkr.ecr.<region>.<suffix>/<repository>:<tag>
      for (const image of images) expect(image.endsWith(`/\${${repo.logicalId}}:${TAG}`), image).toBe(true);
    },
  );

  it("publishes an image only when CDK_STACKS deploys its stack (its repository exists only then)", async () => {
    const published = async (cdkStacks: string) => {
      const results = await Promise.all(matrix.map(async (e) => [e.app, await gate(cdkStacks, e)] as const));
      return results
        .filter(([, r]) => r.publish)
        .map(([app]) => app)
        .sort();
    };
    const appsOf = (...names: string[]) =>
      repositories
        .filter((r) => names.includes(r.stack))
        .map((r) => r.name.slice("sluice/".length))
        .sort();
    expect(await published("SluiceIntercomAurora")).toEqual(appsOf("SluiceIntercomAurora"));
    expect(await published("SluiceIntercomAurora SluiceBrokerConsumer")).toEqual(
      appsOf("SluiceIntercomAurora", "SluiceBrokerConsumer"),
    );
    expect(await published("  SluiceBrokerConsumer\n")).toEqual(["stomp-consumer"]);
    expect(await published("SluiceTelegram")).toEqual([]);
    // a skipped image says why
    const skipped = await gate("SluiceTelegram", matrix.find((e) => e.app === "stomp-consumer")!);
    expect(skipped.stdout).toContain("::notice title=sluice/stomp-consumer not published::");
    // every later step of the job is skipped with it
    for (const step of publish.steps.filter((s) => s.id !== "gate")) {
      expect(step.if, step.name ?? step.uses).toBe("steps.gate.outputs.publish == 'true'");
    }
  });

  it("deploys the stacks named by CDK_STACKS (default: the Intercom pipeline) after every image is published", () => {
    expect(wf.env.CDK_STACKS).toBe("${{ vars.CDK_STACKS || 'SluiceIntercomAurora' }}");
    const deploy = wf.jobs.deploy!;
    expect([deploy.needs].flat()).toContain("publish");
    // unquoted: one argument per name
    expect(deploy.steps.find((s) => s.run?.includes("cdk deploy"))!.run).toMatch(/cdk deploy \$CDK_STACKS /);
    expect(stacks.has("SluiceIntercomAurora")).toBe(true);
  });
});

describe("docs/deploy.md", () => {
  const docs = read("docs/deploy.md");

  it("its CDK_STACKS example names stacks of the app, the broker consumer included", () => {
    const example = /`CDK_STACKS="([^"]+)"`/.exec(docs)?.[1];
    expect(example?.split(" ")).toEqual(
      expect.arrayContaining(["SluiceIntercomAurora", "SluiceBrokerConsumer"]),
    );
    for (const name of example!.split(" ")) expect(stacks.has(name), name).toBe(true);
  });

  it("pushes by hand, and lists, every image the publish job pushes", () => {
    const loop = /^for app in ([a-z0-9 -]+); do$/m.exec(docs)?.[1];
    expect(loop?.split(" ").sort()).toEqual(matrix.map((e) => e.app).sort());
    for (const { app } of matrix)
      expect(docs).toMatch(new RegExp(`^\\| \`sluice/${app}\` \\| \`apps/${app}\` \\|`, "m"));
  });
});
