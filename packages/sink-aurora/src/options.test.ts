import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { auroraSink } from "./index.js";
import { resolveOptions } from "./options.js";

describe("options", () => {
  it("parses a URL (percent-decoded credentials) and applies defaults", () => {
    const o = resolveOptions({ url: "mysql://app:p%40ss-w0rd@db.example.com:3307/warehouse" });
    expect(o.target).toMatchObject({
      kind: "mysql",
      host: "db.example.com",
      port: 3307,
      user: "app",
      password: "p@ss-w0rd",
      database: "warehouse",
    });
    expect(o).toMatchObject({ migrate: true, batchRows: 2000, poolSize: 10 });
    expect(o).toMatchObject({ tables: {}, stateTable: "sync_state", allowEmptyReplace: false });
  });

  it("lists every invalid field in one ConfigError, never printing the password", () => {
    let error: unknown;
    try {
      auroraSink({
        url: "mysql://u:Sup3r-S3cret-pw@host",
        batchRows: 0,
        loadMethod: "copy",
        tables: { contacts: "bad name;", tags: "sync_state" },
        bogus: 1,
      } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(["url", "batchRows", "loadMethod", "tables.contacts", "tables"]),
    );
    expect((error as Error).message).not.toContain("Sup3r-S3cret-pw");
  });

  it("requires exactly one of url, host or embedded", () => {
    expect(() => auroraSink({})).toThrow(/one of url, host or embedded/);
    expect(() => auroraSink({ host: "h", database: "d", embedded: { sqlite: ":memory:" } })).toThrow(
      /only one/,
    );
    expect(() => auroraSink({ host: "h" })).toThrow(/database is required/);
    expect(resolveOptions({ embedded: { sqlite: ":memory:" } }).target).toEqual({
      kind: "sqlite",
      location: ":memory:",
    });
  });
});
