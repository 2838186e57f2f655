/**
 * Error reporting to Sentry, loaded only when SENTRY_DSN is set. Uses `@sentry/core`'s server
 * client with a fetch transport: no auto-instrumentation, no OpenTelemetry, nothing patched;
 * one event per failed run. Every event passes through core's `redactValue` before it leaves.
 */
import * as Sentry from "@sentry/core";
import { redactValue, type SluiceError } from "@sluice/core";
import type { SentryConfig } from "./env.js";

export async function sendToSentry(target: SentryConfig, task: string, error: SluiceError): Promise<void> {
  const client = new Sentry.ServerRuntimeClient({
    dsn: target.dsn,
    ...(target.environment ? { environment: target.environment } : {}),
    serverName: task,
    platform: "node",
    runtime: { name: "node", version: process.version },
    integrations: [],
    stackParser: Sentry.createStackParser(Sentry.nodeStackLineParser()),
    transport: (options) =>
      Sentry.createTransport(options, async (request) => {
        const res = await fetch(options.url, {
          method: "POST",
          body: request.body,
          signal: AbortSignal.timeout(5_000),
        });
        return {
          statusCode: res.status,
          headers: {
            "x-sentry-rate-limits": res.headers.get("x-sentry-rate-limits"),
            "retry-after": res.headers.get("retry-after"),
          },
        };
      }),
    beforeSend: (event) => redactValue(event),
    beforeBreadcrumb: (crumb) => redactValue(crumb),
  });
  Sentry.setCurrentClient(client);
  client.init();
  Sentry.captureException(error, {
    tags: { task, code: error.code },
    extra: { details: redactValue(error.details) },
  });
  await client.close(5_000);
}
