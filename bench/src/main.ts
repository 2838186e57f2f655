/**
 * `pnpm bench [--quick] [--only intercom,intercom-parallel,s3,mysql,continuous,e2e] [--no-write]`
 *
 * Runs each scenario (every measured piece of work in its own child process), prints a table of
 * ratios measured in this run, and prepends a dated section to bench/RESULTS.md.
 */
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { HEAP_CAP_MB, WORK_DIR } from "./harness/child.js";
import { appendResults, markdownTable, type Row, renderSection, sec } from "./harness/report.js";
import { type BenchContext, failedRow, type Scenario } from "./scenarios/context.js";

const ALL = [
  "intercom",
  "intercom-parallel",
  "s3",
  "mysql",
  "continuous",
  "e2e",
  "telegram",
  "bigquery",
  "stomp",
] as const;
type Id = (typeof ALL)[number];

const loaders: Record<Id, () => Promise<Scenario>> = {
  intercom: async () => (await import("./scenarios/intercom.js")).intercomScenario,
  "intercom-parallel": async () =>
    (await import("./scenarios/intercom-parallel.js")).intercomParallelScenario,
  s3: async () => (await import("./scenarios/s3.js")).s3Scenario,
  mysql: async () => (await import("./scenarios/mysql.js")).mysqlScenario,
  continuous: async () => (await import("./scenarios/continuous.js")).continuousScenario,
  e2e: async () => (await import("./scenarios/e2e.js")).e2eScenario,
  telegram: async () => (await import("./scenarios/telegram.js")).telegramScenario,
  bigquery: async () => (await import("./scenarios/bigquery.js")).bigQueryScenario,
  stomp: async () => (await import("./scenarios/stomp.js")).stompScenario,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...ALL];
  const unknown = only.filter((s) => !(ALL as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; choose from ${ALL.join(", ")}`);
    process.exit(2);
  }
  mkdirSync(WORK_DIR, { recursive: true });
  const started = performance.now();
  const date = new Date();
  const ctx: BenchContext = {
    quick: values.quick ?? false,
    notes: [],
    log: (m) => console.error(`[bench ${sec(performance.now() - started)}] ${m}`),
  };
  const rows: Row[] = [];
  for (const id of ALL.filter((s) => only.includes(s))) {
    let scenario: Scenario;
    try {
      scenario = await loaders[id]();
    } catch (error) {
      rows.push(failedRow(id, error));
      continue;
    }
    ctx.log(`== ${scenario.title}`);
    try {
      const got = await scenario.run(ctx);
      rows.push(...got);
      console.error(markdownTable(got));
    } catch (error) {
      console.error(error);
      rows.push(failedRow(scenario.title, error));
    }
  }
  ctx.notes.push(
    `"heap capped" rows re-run the largest size with node --max-old-space-size=${HEAP_CAP_MB}: completing under the cap ` +
      "means the uncapped RSS is V8 growing its heap lazily on a machine with plenty of RAM, not memory retained per record.",
  );
  const totalMs = performance.now() - started;
  const mode = `${ctx.quick ? "--quick" : "full"}${values.only ? ` --only ${values.only}` : ""}`;
  const section = renderSection({ date, mode, rows, notes: ctx.notes, totalMs });
  console.log(`\n${section}`);
  if (!values["no-write"]) {
    const file = appendResults(section);
    ctx.log(`wrote ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
