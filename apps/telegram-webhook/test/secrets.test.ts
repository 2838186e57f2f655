import { randomUUID } from "node:crypto";
import { AuthError, ConfigError, redact } from "@sluice/core";
import { describe, expect, test } from "vitest";
import { readWebhookConfig } from "../src/env.js";
import { resolveSecretToken, type SecretsClient } from "../src/secrets.js";

const ARN =
  "arn:aws:secretsmanager:us-east-1:000000000000:secret:sluice/telegram-webhook-secret-token-AbCdEf";
const stub = (reply: () => Promise<{ SecretString?: string }>): SecretsClient & { ids: string[] } => {
  const ids: string[] = [];
  return {
    ids,
    send: async (command) => {
      ids.push(String(command.input.SecretId));
      return reply();
    },
  };
};
const env = (extra: Record<string, string>) => ({ RAW_BUCKET: "raw-bucket", ...extra });

describe("the webhook's secret token", () => {
  test("from TELEGRAM_SECRET_TOKEN, or from the secret named by TELEGRAM_SECRET_TOKEN_SECRET_ARN (plain or JSON), registered for redaction", async () => {
    const direct = `tok_${randomUUID().replaceAll("-", "")}`;
    expect(await resolveSecretToken(readWebhookConfig(env({ TELEGRAM_SECRET_TOKEN: direct })))).toBe(direct);

    const stored = randomUUID().replaceAll("-", "");
    const client = stub(async () => ({ SecretString: stored }));
    const config = readWebhookConfig(env({ TELEGRAM_SECRET_TOKEN_SECRET_ARN: ARN }));
    expect(await resolveSecretToken(config, client)).toBe(stored);
    expect(client.ids).toEqual([ARN]);
    expect(redact(`header was ${stored}`)).not.toContain(stored);

    const json = randomUUID().replaceAll("-", "");
    expect(
      await resolveSecretToken(
        config,
        stub(async () => ({ SecretString: JSON.stringify({ secret_token: json }) })),
      ),
    ).toBe(json);
  });

  test("neither given → ConfigError naming both; denied → AuthError; a value Telegram would refuse → ConfigError", async () => {
    expect(() => readWebhookConfig(env({}))).toThrow(
      /TELEGRAM_SECRET_TOKEN.*TELEGRAM_SECRET_TOKEN_SECRET_ARN/,
    );
    const config = readWebhookConfig(env({ TELEGRAM_SECRET_TOKEN_SECRET_ARN: ARN }));
    const denied = stub(async () => {
      throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    });
    await expect(resolveSecretToken(config, denied)).rejects.toBeInstanceOf(AuthError);
    await expect(
      resolveSecretToken(
        config,
        stub(async () => ({ SecretString: "has spaces and !" })),
      ),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
