import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { ENTITIES } from "./entities.js";
import { readJobConfig, readServerConfig } from "./env.js";

describe("readServerConfig", () => {
  it("applies every default when nothing is set", () => {
    expect(readServerConfig({})).toEqual({
      port: 8080,
      runDeadlineMs: 0,
      settings: {
        intercomApiUrl: "https://api.intercom.io",
        bigqueryApiEndpoint: undefined,
        createDataset: false,
        writeMode: "replace",
        resumeWindowMs: 360 * 60_000,
      },
      logLevel: "info",
      sentry: undefined,
    });
  });

  it("names every bad variable", () => {
    try {
      readServerConfig({
        PORT: "x",
        BIGQUERY_API_ENDPOINT: "ftp://a",
        WRITE_MODE: "merge",
        RESUME_WINDOW_MINUTES: "-1",
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.field).sort()).toEqual([
        "BIGQUERY_API_ENDPOINT",
        "PORT",
        "RESUME_WINDOW_MINUTES",
        "WRITE_MODE",
      ]);
    }
  });
});

describe("readJobConfig", () => {
  it("builds the same request as the body, with the eight entities and US by default", () => {
    const token = ["tok", "job"].join("_");
    const config = readJobConfig({
      INTERCOM_ACCESS_TOKEN: token,
      BIGQUERY_PROJECT: "my-project",
      BIGQUERY_DATASET: "intercom",
      BIGQUERY_API_ENDPOINT: "http://127.0.0.1:9050/",
    });
    expect(config.request).toEqual({
      intercom: { accessToken: token, entities: [...ENTITIES] },
      bq: { project_id: "my-project", dataset_id: "intercom", location: "US" },
    });
    expect(config.settings.bigqueryApiEndpoint).toBe("http://127.0.0.1:9050");
  });
});
