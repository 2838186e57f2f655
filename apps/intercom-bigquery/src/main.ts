#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { readJobConfig } from "./env.js";
import { runJob } from "./job.js";

const code = await runTask({
  name: "intercom-bigquery",
  readConfig: () => readJobConfig(),
  run: (config, { signal, logger }) => runJob(config, { signal, logger }),
});
process.exit(code);
