import { describe, expect, it } from "vitest";
import { ENTITIES, STREAM_OF, tablesFor } from "./entities.js";
import { parseRequest } from "./request.js";

describe("parseRequest", () => {
  it("defaults entities to the eight and location to US", () => {
    const r = parseRequest({
      intercom: { accessToken: " t " },
      bq: { project_id: "my-project", dataset_id: "d" },
    });
    expect(r).toEqual({
      ok: true,
      request: {
        intercom: { accessToken: "t", entities: [...ENTITIES] },
        bq: { project_id: "my-project", dataset_id: "d", location: "US" },
      },
    });
  });

  it("lists every problem by path and never a value", () => {
    const secret = ["tok", "abc123"].join("_");
    const r = parseRequest({
      intercom: { accessToken: 42, entities: ["users", secret] },
      bq: { project_id: secret, dataset_id: "a-b" },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.field).sort()).toEqual([
        "bq.dataset_id",
        "bq.project_id",
        "intercom.accessToken",
        "intercom.entities.1",
      ]);
      expect(JSON.stringify(r.issues)).not.toContain(secret);
    }
  });

  it("rejects a missing body with both sections named", () => {
    const r = parseRequest(undefined);
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual(["intercom", "bq"]);
  });
});

describe("entities", () => {
  it("maps the old contacts to leads and lands every stream in a table named as the entity", () => {
    expect(STREAM_OF.contacts).toBe("leads");
    expect(STREAM_OF.users).toBe("users");
    expect(tablesFor(["contacts", "users", "tags"])).toEqual({
      leads: "contacts",
      users: "users",
      tags: "tags",
    });
  });
});
