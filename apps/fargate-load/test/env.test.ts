import { ConfigError, redact } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { readLoadConfig } from "../src/env.js";
import { objectKeyFor } from "../src/load.js";

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
      input: { format: "json", gzip: false },
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

  it("maps streams to the keys fargate-extract writes", () => {
    expect(objectKeyFor("data/", "contacts", "json")).toBe("data/users.json");
    expect(objectKeyFor("data/", "conversations", "jsonl", true)).toBe("data/conversations.jsonl.gz");
    expect(objectKeyFor("", "admins", "parquet", true)).toBe("admins.parquet");
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
