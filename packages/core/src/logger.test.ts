import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AuthError } from "./errors.js";
import { createLogger } from "./logger.js";
import { registerSecret } from "./redact.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON lines with level names and bindings", () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: "t", destination });
    log.child({ stream: "contacts" }).info({ records: 3 }, "done");
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", name: "t", stream: "contacts", records: 3, msg: "done" });
  });

  it("never prints secrets: registered values, secret-named fields, errors", () => {
    registerSecret("super-secret-token-value");
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info(
      { password: "pw-123456", url: "mysql://u:pw-123456@h/db" },
      "connecting with super-secret-token-value",
    );
    log.error({ err: new AuthError("rejected super-secret-token-value") }, "failed");
    const all = lines.join("\n");
    expect(all).not.toContain("super-secret-token-value");
    expect(all).not.toContain("pw-123456");
    expect(all).toContain("[REDACTED]");
    expect(JSON.parse(lines[1]!).err.type).toBe("AuthError");
  });
});
