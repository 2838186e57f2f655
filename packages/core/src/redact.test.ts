import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FREE_TEXT_MIN_LENGTH, REDACTED, redact, registerSecret } from "./redact.js";

describe("redact: secrets where they are, messages left readable", () => {
  it("keeps MySQL's '(using password: YES)' intact", () => {
    const text = "Access denied for user 'app'@'10.0.0.7' (using password: YES)";
    expect(redact(text)).toBe(text);
    expect(redact("(using password: NO)")).toBe("(using password: NO)");
  });

  it("keeps placeholder credentials in help texts and examples", () => {
    const help = "DATABASE_URL must be a URL: mysql://user:password@host:3306/database";
    expect(redact(help)).toBe(help);
    expect(redact("postgres://app:<password>@db/x")).toBe("postgres://app:<password>@db/x");
    expect(redact("set password=<password>")).toBe("set password=<password>");
  });

  it("does not mask a common word that happens to be a short secret, except where it is the secret", () => {
    registerSecret("user");
    expect(redact("Access denied for user 'app'; check the user name")).toBe(
      "Access denied for user 'app'; check the user name",
    );
    // in context a short secret is still never printed
    expect(redact("mysql://app:user@db.example.com/warehouse")).toBe(
      `mysql://app:${REDACTED}@db.example.com/warehouse`,
    );
    expect(redact("connecting as app:user@db.example.com")).toBe(
      `connecting as app:${REDACTED}@db.example.com`,
    );
    expect(redact("DB_PASSWORD=user")).toBe(`DB_PASSWORD=${REDACTED}`);
    expect(redact('{"password":"user"}')).toBe(`{"password":"${REDACTED}"}`);
  });

  it("masks a long registered secret anywhere, even a placeholder-looking one", () => {
    const secret = ["pw", randomUUID().slice(0, 8)].join("-");
    expect(secret.length).toBeGreaterThanOrEqual(FREE_TEXT_MIN_LENGTH);
    registerSecret(secret);
    const out = redact(
      `login with ${secret} failed; mysql://a:${secret}@h/db; ${encodeURIComponent(secret)}`,
    );
    expect(out).not.toContain(secret);
    expect(out).toContain(`mysql://a:${REDACTED}@h/db`);
    registerSecret("changeme");
    expect(redact("mysql://user:changeme@host/db")).toBe(`mysql://user:${REDACTED}@host/db`);
  });

  it("masks unregistered credentials in URL userinfo and secret-named pairs, whatever their length", () => {
    const pw = ["k", randomUUID().slice(0, 3)].join("");
    expect(redact(`mysql://app:${pw}@h/db`)).toBe(`mysql://app:${REDACTED}@h/db`);
    expect(redact(`password=${pw} token: ${pw}`)).toBe(`password=${REDACTED} token: ${REDACTED}`);
  });
});
