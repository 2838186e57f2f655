#!/usr/bin/env node
import { runTask } from "@sluice/app-kit";
import { runConsumer } from "./consumer.js";
import { readConsumerConfig } from "./env.js";

const code = await runTask({
  name: "stomp-consumer",
  readConfig: () => readConsumerConfig(),
  run: (config, { signal, logger }) => runConsumer(config, { signal, logger }),
});
process.exit(code);
