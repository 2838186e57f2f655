#!/usr/bin/env node
/** CLI: `node dist/cli.js --port 9050 [--job-delay 0]`; prints the URL, serves until SIGTERM/SIGINT. */
import { parseArgs } from "node:util";
import { startBigQuerySimulator } from "./index.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
  options: { port: { type: "string" }, host: { type: "string" }, "job-delay": { type: "string" } },
  strict: true,
});
const sim = await startBigQuerySimulator({
  port: Number(values.port ?? 0),
  ...(values.host ? { host: values.host } : {}),
  jobDelayMs: Number(values["job-delay"] ?? 0),
});
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
