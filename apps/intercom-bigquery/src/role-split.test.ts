import { describe, expect, it } from "vitest";
import { entitiesOfStream, splitCounts, streamsFor } from "./role-split.js";

describe("reading contacts once for users and contacts", () => {
  it("reads the contacts stream once when both are requested, the views otherwise", () => {
    expect(streamsFor(["conversations", "users", "contacts", "tags"])).toEqual([
      "conversations",
      "contacts",
      "tags",
    ]);
    expect(streamsFor(["users", "tags"])).toEqual(["users", "tags"]);
    expect(streamsFor(["contacts"])).toEqual(["leads"]);
  });

  it("maps a committed stream back to the entities whose tables it replaced", () => {
    expect(entitiesOfStream("contacts", ["users", "contacts"])).toEqual(["users", "contacts"]);
    expect(entitiesOfStream("leads", ["users", "contacts"])).toEqual(["contacts"]);
    expect(entitiesOfStream("leads", ["contacts"])).toEqual(["contacts"]);
    expect(entitiesOfStream("tags", ["tags"])).toEqual(["tags"]);
  });

  it("reads per-entity counts from the split commit", () => {
    expect(splitCounts({ records: 5, details: { split: { users: 3, contacts: 2 } } })).toEqual({
      users: 3,
      contacts: 2,
    });
  });
});
