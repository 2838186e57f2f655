import type { S3Client } from "@aws-sdk/client-s3";
import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { type S3StateStoreOptions, s3StateStore } from "./state-store.js";

/** A client that must not be called: these cases fail before any request. */
const client = {
  send: () => Promise.reject(new Error("no request expected")),
} as unknown as S3Client;

function configError(options: Omit<S3StateStoreOptions, "client">): ConfigError {
  try {
    s3StateStore({ ...options, client });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("s3StateStore options", () => {
  it("exactly one of key and keyTemplate", () => {
    for (const options of [
      { bucket: "state-bucket" },
      { bucket: "state-bucket", key: "s.json", keyTemplate: "{stream}.json" },
    ]) {
      expect(configError(options).issues).toEqual([
        { field: "key", message: "give exactly one of key and keyTemplate" },
      ]);
    }
  });

  it("a keyTemplate names its checkpoint by {key} or {stream} and uses no other placeholder", () => {
    expect(configError({ bucket: "state-bucket", keyTemplate: "state.json" }).issues[0]?.message).toBe(
      "must contain {key} or {stream} (else use key)",
    );
    expect(
      configError({ bucket: "state-bucket", keyTemplate: "{stream}/{yyyy}.json" }).issues[0]?.message,
    ).toBe("unknown placeholder(s) {yyyy}; use {prefix} {key} {stream}");
  });

  it("a checkpoint key that renders no valid object key is a ConfigError at save", async () => {
    const store = s3StateStore({ bucket: "state-bucket", keyTemplate: "state/{key}.json", client });
    const err = await store.save("src/../x", { n: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('checkpoint key "src/../x" renders "state/src/../x.json"');
  });
});
