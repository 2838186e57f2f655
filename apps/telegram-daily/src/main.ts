#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { runDaily } from "./daily.js";
import { readDailyConfig } from "./env.js";

const code = await runTask({
  name: "telegram-daily",
  readConfig: () => readDailyConfig(),
  run: (config, { signal, logger }) => runDaily(config, { signal, logger }),
});
process.exit(code);
