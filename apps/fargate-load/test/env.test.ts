import { describeError } from "@sluice/app-kit";
import { AuthError, ConfigError, redact } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { readLoadConfig } from "../src/env.js";
import { deletedKeyFor, objectKeyFor } from "../src/load.js";

const fields = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => i.field).sort();
    throw e;
  }
  return [];
};

describe("readLoadConfig", () => {
  it("accepts DATABASE_URL with the documented defaults", () => {
    expect(readLoadConfig({ S3_BUCKET: "my-lake", DATABASE_URL: "mysql://u:pw-unit-1@db:3306/wh" })).toEqual({
      s3: { bucket: "my-lake", prefix: "data/", forcePathStyle: false },
      streams: ["contacts", "conversations"],
      mode: "replace",
      input: { format: "json", gzip: false, objects: "snapshot" },
      database: { url: "mysql://u:pw-unit-1@db:3306/wh" },
      logLevel: "info",
      sentry: undefined,
    });
    expect(redact("pw-unit-1")).not.toContain("pw-unit-1");
  });

  it("accepts DB_* parts instead, with port 3306 by default", () => {
    const c = readLoadConfig({
      S3_BUCKET: "my-lake",
      DB_HOST: "db",
      DB_USER: "u",
      DB_PASSWORD: "pw-unit-2",
      DB_NAME: "wh",
    });
    expect(c.database).toEqual({ host: "db", port: 3306, user: "u", password: "pw-unit-2", database: "wh" });
    expect(redact("pw-unit-2")).not.toContain("pw-unit-2");
  });

  it("names every bad variable, the database ones included", () => {
    expect(fields(() => readLoadConfig({}))).toEqual(["DB_HOST", "DB_NAME", "DB_USER", "S3_BUCKET"]);
    expect(
      fields(() =>
        readLoadConfig({
          S3_BUCKET: "my-lake",
          DATABASE_URL: "mysql://db:3306/",
          DB_HOST: "db",
          DB_PORT: "http",
        }),
      ),
    ).toEqual(["DATABASE_URL", "DATABASE_URL", "DB_PORT"]);
    expect(
      fields(() => readLoadConfig({ S3_BUCKET: "x", DATABASE_URL: "postgres://h/db", LOAD_MODE: "merge" })),
    ).toEqual(["DATABASE_URL", "LOAD_MODE", "S3_BUCKET"]);
  });

  it("a short password (DB_PASSWORD=user) is masked where it is a password, not in every word", () => {
    readLoadConfig({
      S3_BUCKET: "my-lake",
      DB_HOST: "db",
      DB_USER: "app",
      DB_PASSWORD: "user",
      DB_NAME: "wh",
    });
    const denied = new AuthError("Access denied for user 'app'@'10.0.0.7' (using password: YES)");
    expect(describeError(denied)).toBe(
      "auth_failed: Access denied for user 'app'@'10.0.0.7' (using password: YES)",
    );
    expect(redact("mysql://app:user@db:3306/wh")).toBe("mysql://app:[REDACTED]@db:3306/wh");
    // the help text's placeholder URL stays readable
    let help = "";
    try {
      readLoadConfig({ S3_BUCKET: "my-lake", DATABASE_URL: "not a url" });
    } catch (e) {
      help = describeError(e as ConfigError);
    }
    expect(help).toContain("DATABASE_URL must be a URL: mysql://user:password@host:3306/database");
  });

  it("maps streams to the keys fargate-extract writes", () => {
    expect(objectKeyFor("data/", "contacts", "json")).toBe("data/users.json");
    expect(objectKeyFor("data/", "conversations", "jsonl", true)).toBe("data/conversations.jsonl.gz");
    expect(objectKeyFor("", "admins", "parquet", true)).toBe("admins.parquet");
    expect(objectKeyFor("data/", "contacts", "json", false, "changes")).toBe("data/changes/users.json");
    expect(deletedKeyFor("data/", "contacts", "jsonl", true)).toBe("data/deleted/contacts.jsonl.gz");
  });

  it("LOAD_INPUT=changes reads the changes and needs LOAD_MODE=upsert", () => {
    const base = { S3_BUCKET: "my-lake", DATABASE_URL: "mysql://u@db:3306/wh" };
    expect(readLoadConfig({ ...base, LOAD_INPUT: "changes", LOAD_MODE: "upsert" }).input.objects).toBe(
      "changes",
    );
    expect(fields(() => readLoadConfig({ ...base, LOAD_INPUT: "changes" }))).toEqual(["LOAD_INPUT"]);
  });

  it("ALLOW_EMPTY_REPLACE=true lets an empty input empty a table in replace mode (off by default)", () => {
    const env = { S3_BUCKET: "my-lake", DATABASE_URL: "mysql://u@db:3306/wh" };
    expect(readLoadConfig(env).allowEmptyReplace).toBeUndefined();
    expect(readLoadConfig({ ...env, ALLOW_EMPTY_REPLACE: "true" }).allowEmptyReplace).toBe(true);
    expect(fields(() => readLoadConfig({ ...env, ALLOW_EMPTY_REPLACE: "maybe" }))).toEqual([
      "ALLOW_EMPTY_REPLACE",
    ]);
  });
});
