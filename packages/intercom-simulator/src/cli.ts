#!/usr/bin/env node
/** CLI: `node dist/cli.js --contacts 2000 --conversations 500 --port 8090 --rate 1666 --latency 20`. */
import { parseArgs } from "node:util";
import { type SimulatorOptions, startSimulator } from "./index.js";

const numeric = [
  "seed",
  "contacts",
  "companies",
  "conversations",
  "admins",
  "teams",
  "tags",
  "segments",
  "large-conversations",
  "max-parts",
  "port",
  "window",
  "latency",
  "jitter",
  "now",
  "companies-list-cap",
  "scroll-page-size",
  "scroll-expiry",
] as const;

const HELP = `Usage: intercom-simulator [options]
  --contacts N --companies N --conversations N --admins N --teams N --tags N --segments N
  --large-conversations N  --max-parts N   conversation sizes
  --seed N                 deterministic workspace (default 42)
  --port N                 default 0 (random free port)
  --rate N|off             requests per window (default 1666); --window S (default 10)
  --latency MS --jitter MS added per response
  --token T                accepted bearer token (repeatable)
  --timezone IANA          workspace timezone (default UTC)
  --now UNIX               workspace "now" (default: current time)
  --companies-list-cap N --scroll-page-size N --scroll-expiry S`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(numeric.map((k) => [k, { type: "string" as const }])),
      rate: { type: "string" },
      token: { type: "string", multiple: true },
      timezone: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const num = (k: (typeof numeric)[number]): number | undefined => {
    const v = (values as Record<string, unknown>)[k];
    if (typeof v !== "string") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} must be a number, got ${v}`);
    return n;
  };
  const opts: SimulatorOptions = {
    seed: num("seed"),
    contacts: num("contacts"),
    companies: num("companies"),
    conversations: num("conversations"),
    admins: num("admins"),
    teams: num("teams"),
    tags: num("tags"),
    segments: num("segments"),
    largeConversations: num("large-conversations"),
    maxPartsPerConversation: num("max-parts"),
    port: num("port"),
    latencyMs: num("latency"),
    latencyJitterMs: num("jitter"),
    now: num("now"),
    companiesListCap: num("companies-list-cap"),
    scrollPageSize: num("scroll-page-size"),
    scrollIdleExpirySeconds: num("scroll-expiry"),
    timezone: values.timezone as string | undefined,
    token: values.token as string[] | undefined,
  };
  const rate = values.rate as string | undefined;
  if (rate === "off" || rate === "false") opts.rateLimit = false;
  else if (rate !== undefined || num("window") !== undefined) {
    opts.rateLimit = { limit: rate === undefined ? 1666 : Number(rate), windowSeconds: num("window") ?? 10 };
  }
  for (const k of Object.keys(opts) as (keyof SimulatorOptions)[]) if (opts[k] === undefined) delete opts[k];

  const t0 = performance.now();
  const sim = await startSimulator(opts);
  const ms = Math.round(performance.now() - t0);
  const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  console.log(`Intercom simulator (API 2.16) listening on ${sim.url}`);
  console.log(`token: ${sim.token}`);
  console.log(
    `workspace: ${sim.workspace.contactCount} contacts, ${sim.workspace.companies.length} companies, ` +
      `started in ${ms} ms, rss ${rssMb} MB`,
  );
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
