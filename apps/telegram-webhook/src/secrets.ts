import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AuthError, ConfigError, registerSecret, TransientError } from "@sluice/core";
import { SECRET_TOKEN_PATTERN, type WebhookConfig } from "./env.js";

/** The subset of the Secrets Manager client used here (tests pass a stub). */
export interface SecretsClient {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

/**
 * The webhook's secret token: TELEGRAM_SECRET_TOKEN, or the SecretString of the secret named by
 * TELEGRAM_SECRET_TOKEN_SECRET_ARN (read once, at start; registered for redaction before
 * anything can log it). The secret may hold the token, or JSON with a `secret_token` field.
 */
export async function resolveSecretToken(config: WebhookConfig, client?: SecretsClient): Promise<string> {
  if (config.secretToken) return config.secretToken;
  const arn = config.secretTokenArn as string;
  const sm = client ?? new SecretsManagerClient({});
  let value: string | undefined;
  try {
    value = (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (e) {
    const name = (e as { name?: string }).name ?? "Error";
    if (name === "AccessDeniedException")
      throw new AuthError(`GetSecretValue ${arn} was denied: grant secretsmanager:GetSecretValue on it`, {
        cause: e,
      });
    if (name === "ResourceNotFoundException")
      throw new ConfigError(
        "telegram-webhook secrets",
        [{ field: "TELEGRAM_SECRET_TOKEN_SECRET_ARN", message: "no such secret" }],
        { cause: e },
      );
    throw new TransientError(`GetSecretValue ${arn} failed: ${name}`, { cause: e });
  } finally {
    if (!client) (sm as SecretsManagerClient).destroy();
  }
  registerSecret(value);
  const token = value?.trim().startsWith("{")
    ? (JSON.parse(value) as { secret_token?: string }).secret_token
    : value?.trim();
  registerSecret(token);
  if (!token || !SECRET_TOKEN_PATTERN.test(token)) {
    throw new ConfigError("telegram-webhook secrets", [
      {
        field: "TELEGRAM_SECRET_TOKEN_SECRET_ARN",
        message: "the secret must hold 1-256 characters of A-Z a-z 0-9 _ - (or JSON with secret_token)",
      },
    ]);
  }
  return token;
}
