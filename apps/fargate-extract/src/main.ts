#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { extractHelp, readExtractConfig } from "./env.js";
import { runExtract } from "./extract.js";

const code = await runTask({
  name: "fargate-extract",
  readConfig: () => readExtractConfig(),
  run: (config, { signal, logger }) => runExtract(config, { signal, logger }),
  help: extractHelp,
});
process.exit(code);
