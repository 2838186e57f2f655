import type { Row } from "../harness/report.js";

export interface BenchContext {
  quick: boolean;
  /** Free-form notes printed under the table (methodology, extrapolations, failures). */
  notes: string[];
  log(message: string): void;
}

export interface Scenario {
  id:
    | "intercom"
    | "intercom-parallel"
    | "s3"
    | "mysql"
    | "continuous"
    | "e2e"
    | "telegram"
    | "bigquery"
    | "stomp";
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** A row that says a scenario could not run, with the reason, instead of aborting the bench. */
export function failedRow(scenario: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return {
    scenario,
    sluice: "FAILED",
    baseline: "",
    ratio: "",
    memory: "",
    goal: "",
    verdict: `not measured: ${message.split("\n")[0]?.slice(0, 160) ?? ""}`,
  };
}
