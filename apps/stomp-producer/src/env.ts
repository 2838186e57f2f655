/**
 * The only place stomp-producer reads `process.env`. Every bad variable is named in one
 * ConfigError; STOMP_PASSCODE is registered for redaction first.
 */
import {
  blankToUndefined,
  type LogLevel,
  logLevelFields,
  registerEnvSecrets,
  type SentryConfig,
  sentryConfig,
  sentryFields,
  stompFields,
} from "@sluice/app-kit";
import { ConfigError, registerSecret, zodIssues } from "@sluice/core";
import { z } from "zod";

export interface ProducerConfig {
  url: string;
  login?: string | undefined;
  passcode?: string | undefined;
  destination: string;
  count: number;
  /** Messages per second; undefined: as fast as the broker confirms. */
  rate?: number | undefined;
  seed: number;
  invalidRatio: number;
  logLevel: LogLevel;
  sentry?: SentryConfig | undefined;
}

const schema = z.object({
  ...stompFields,
  COUNT: z.preprocess(
    (v) => blankToUndefined(v) ?? "100",
    z.coerce
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(0)
      .max(100_000_000),
  ),
  RATE: z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: "must be messages per second" }).positive("must be more than 0").optional(),
  ),
  SEED: z.preprocess(
    (v) => blankToUndefined(v) ?? "1",
    z.coerce
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(0)
      .max(2 ** 32 - 1),
  ),
  INVALID_RATIO: z.preprocess(
    (v) => blankToUndefined(v) ?? "0",
    z.coerce
      .number({ error: "must be a number from 0 to 1" })
      .min(0, "must be from 0 to 1")
      .max(1, "must be from 0 to 1"),
  ),
  ...logLevelFields,
  ...sentryFields,
});

export function readProducerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  registerSecret(env.STOMP_PASSCODE);
  registerEnvSecrets(env);
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError("stomp-producer environment", zodIssues(result.error));
  const v = result.data;
  return {
    url: v.STOMP_URL,
    login: v.STOMP_LOGIN,
    passcode: v.STOMP_PASSCODE,
    destination: v.STOMP_DESTINATION,
    count: v.COUNT,
    rate: v.RATE,
    seed: v.SEED,
    invalidRatio: v.INVALID_RATIO,
    logLevel: v.LOG_LEVEL,
    sentry: sentryConfig(v),
  };
}
