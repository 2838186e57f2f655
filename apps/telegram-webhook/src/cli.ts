import { parseArgs } from "node:util";
import { describeError, EXIT_FAILED, EXIT_OK } from "@sluice/app-kit";
import { ConfigError, createLogger, type Logger, shutdownSignal, toSluiceError } from "@sluice/core";
import { botApi } from "@sluice/source-telegram";
import { readBotCommandConfig, readOptionalSecretToken, readPollConfig, readWebhookConfig } from "./env.js";
import { runPoll } from "./poll.js";
import { startWebhookServer } from "./webhook-app.js";

export const NAME = "telegram-webhook";
const USAGE = `usage: server.js [serve]
       server.js set-webhook --url https://… [--allowed-updates message,edited_message] [--drop-pending-updates] [--max-connections N]
       server.js get-webhook-info
       server.js delete-webhook [--drop-pending-updates]
       server.js poll   (getUpdates → the raw layout, for bots without a public URL; until SIGTERM)`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const processIo = (): CliIo => ({
  env: process.env,
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
});

/** Entry point of dist/server.js: serve (default) or one Bot API webhook command. Returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command = "serve", ...rest] = argv;
  let logger: Logger = createLogger({ name: NAME });
  try {
    if (command === "serve") return await serve(io, (l) => (logger = l));
    if (command === "poll") return await poll(io, (l) => (logger = l));
    return await botCommand(command, rest, io);
  } catch (thrown) {
    const error = toSluiceError(thrown);
    logger.error({ err: error, code: error.code }, `${NAME} failed`);
    io.stderr(`${NAME} failed: ${describeError(error)}`);
    return EXIT_FAILED;
  }
}

async function serve(io: CliIo, setLogger: (l: Logger) => void): Promise<number> {
  const config = readWebhookConfig(io.env);
  const logger = createLogger({ name: NAME, level: config.logLevel });
  setLogger(logger);
  const shutdown = shutdownSignal({ logger });
  const app = await startWebhookServer(config, { logger });
  logger.info(
    { port: app.port, bucket: config.rawBucket, prefix: config.rawPrefix, timeZone: config.timeZone },
    "listening",
  );
  await new Promise<void>((resolve) =>
    shutdown.signal.addEventListener("abort", () => resolve(), { once: true }),
  );
  await app.close();
  shutdown.dispose();
  logger.info({}, "stopped");
  return EXIT_OK;
}

async function poll(io: CliIo, setLogger: (l: Logger) => void): Promise<number> {
  const config = readPollConfig(io.env);
  const logger = createLogger({ name: NAME, level: config.logLevel });
  setLogger(logger);
  const shutdown = shutdownSignal({ logger });
  try {
    logger.info(
      { bucket: config.rawBucket, prefix: config.rawPrefix, stateKey: config.stateKey },
      "polling getUpdates",
    );
    const report = await runPoll(config, { signal: shutdown.signal, logger });
    logger.info({ records: report.records, status: report.status }, "stopped");
    return EXIT_OK;
  } finally {
    shutdown.dispose();
  }
}

async function botCommand(command: string, args: string[], io: CliIo): Promise<number> {
  const commands = ["set-webhook", "get-webhook-info", "delete-webhook"];
  if (!commands.includes(command)) {
    throw new ConfigError("command line", [
      { field: "command", message: `unknown command "${command}"\n${USAGE}` },
    ]);
  }
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string" },
      "allowed-updates": { type: "string" },
      "drop-pending-updates": { type: "boolean", default: false },
      "max-connections": { type: "string" },
    },
    strict: true,
  });
  const config = readBotCommandConfig(io.env);
  const api = botApi({ token: config.botToken, baseUrl: config.apiUrl });
  let result: unknown;
  if (command === "set-webhook") {
    const secret = readOptionalSecretToken(io.env);
    const issues = [
      ...(values.url
        ? []
        : [{ field: "--url", message: "is required (the public HTTPS URL of the webhook)" }]),
      ...(secret
        ? []
        : [
            {
              field: "TELEGRAM_SECRET_TOKEN",
              message:
                "is required: Telegram sends it with every update and the webhook refuses requests without it",
            },
          ]),
    ];
    if (issues.length > 0) throw new ConfigError("set-webhook", issues);
    result = await api.setWebhook({
      url: values.url as string,
      secret_token: secret as string,
      drop_pending_updates: values["drop-pending-updates"],
      ...(values["allowed-updates"]
        ? { allowed_updates: values["allowed-updates"].split(",").map((s) => s.trim()) }
        : {}),
      ...(values["max-connections"] ? { max_connections: Number(values["max-connections"]) } : {}),
    });
  } else if (command === "get-webhook-info") {
    result = await api.getWebhookInfo();
  } else {
    result = await api.deleteWebhook({ drop_pending_updates: values["drop-pending-updates"] });
  }
  io.stdout(JSON.stringify({ command, result }));
  return EXIT_OK;
}
