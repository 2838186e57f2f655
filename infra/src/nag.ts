/**
 * cdk-nag 3 reports through CDK's policy validation (`Validations.of(app).addPlugins`), and a
 * finding is acknowledged on the construct it is about, each with its reason. cdk-nag is a
 * CommonJS (jsii) module whose named exports Node's ESM loader cannot detect: it is loaded
 * with require, once, here.
 */
import { createRequire } from "node:module";
import { type App, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

const cdkNag = createRequire(import.meta.url)("cdk-nag") as typeof import("cdk-nag");

export interface Acknowledgement {
  /** `AwsSolutions-S1`, or one finding of a rule: `AwsSolutions-IAM5[Resource::*]`. */
  id: string;
  reason: string;
}

/** Acknowledges cdk-nag findings on `scope` and everything under it, each with a reason. */
export function acknowledge(scope: IConstruct, findings: Acknowledgement[]): void {
  for (const f of findings) Validations.of(scope).acknowledge({ id: f.id, reason: f.reason });
}

/** Runs the AwsSolutions pack on every stack of `app` at synth: an unacknowledged error fails the synth. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app, { verbose: true }));
}
