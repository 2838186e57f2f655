#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { readProducerConfig } from "./env.js";
import { produce } from "./produce.js";

const code = await runTask({
  name: "stomp-producer",
  readConfig: () => readProducerConfig(),
  run: (config, { signal, logger }) => produce(config, { signal, logger }),
});
process.exit(code);
