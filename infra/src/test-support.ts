import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { addSluiceStacks, prepareApp } from "./app.js";
import type { Context } from "./context.js";

export interface Synthesized<S extends Stack> {
  stack: S;
  template: Template;
  /** The raw CloudFormation template. */
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

/**
 * Synthesises one stack the way `cdk synth` does (feature flags, cdk-nag AwsSolutions checks:
 * an unacknowledged finding throws here), without AWS credentials, without bundling Lambda
 * code (cdk-synth.int.test.ts bundles it through the real CLI), into a temporary directory.
 */
export function synth<S extends Stack>(
  add: (app: App, ctx: Context) => S,
  context: Record<string, unknown> = {},
): Synthesized<S> {
  const outdir = mkdtempSync(join(tmpdir(), "sluice-cdk-"));
  try {
    const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...context } });
    const stack = add(app, prepareApp(app));
    const assembly = app.synth();
    const json = assembly.getStackByName(stack.stackName).template as Synthesized<S>["json"];
    return { stack, template: Template.fromJSON(json), json };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every stack of the app (what `cdk synth` writes, same rules as `synth`), by stack name. */
export function synthAll(context: Record<string, unknown> = {}): Map<string, Synthesized<Stack>["json"]> {
  const outdir = mkdtempSync(join(tmpdir(), "sluice-cdk-"));
  try {
    const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...context } });
    addSluiceStacks(app);
    const assembly = app.synth();
    return new Map(assembly.stacks.map((s) => [s.stackName, s.template as Synthesized<Stack>["json"]]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The resources of one type, by logical id. */
export function resourcesOf(json: Synthesized<Stack>["json"], type: string) {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** An `Fn::Join` (as CloudFormation writes ARNs and definitions) flattened, tokens as `${LogicalId}` / `${LogicalId.Attr}`. */
export function flatten(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if ("Fn::Join" in v) {
      const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
    if ("Ref" in v) return `\${${v.Ref as string}}`;
    if ("Fn::GetAtt" in v) return `\${${(v["Fn::GetAtt"] as string[]).join(".")}}`;
  }
  return JSON.stringify(value);
}
