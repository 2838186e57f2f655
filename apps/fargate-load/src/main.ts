#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { loadHelp, readLoadConfig } from "./env.js";
import { runLoad } from "./load.js";

const code = await runTask({
  name: "fargate-load",
  readConfig: () => readLoadConfig(),
  run: (config, { signal, logger }) => runLoad(config, { signal, logger }),
  help: loadHelp,
});
process.exit(code);
