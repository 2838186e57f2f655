import { describe, expect, it } from "vitest";
import {
  INTERCOM_LAYOUT_STREAMS,
  INTERCOM_LAYOUTS,
  intercomObjectName,
  withIntercomLayout,
} from "./index.js";

const columns = (stream: string) => INTERCOM_LAYOUTS[stream]?.columns?.map((c) => c.name);

describe("Intercom's table layout", () => {
  it("keeps the tables and columns the apps have always produced", () => {
    expect(Object.fromEntries(INTERCOM_LAYOUT_STREAMS.map((s) => [s, INTERCOM_LAYOUTS[s]!.table]))).toEqual({
      contacts: "users",
      conversations: "conversation",
      conversation_parts: "conversation_part",
      companies: "companies",
      admins: "admins",
      teams: "teams",
      tags: "tags",
      segments: "segments",
      data_attributes: "data_attributes",
    });
    expect(columns("contacts")).toEqual([
      "id",
      "external_id",
      "email",
      "name",
      "phone",
      "role",
      "owner_id",
      "created_at",
      "updated_at",
      "last_seen_at",
      "signed_up_at",
      "custom_attributes",
    ]);
    expect(columns("conversations")).toContain("parts_truncated");
    const parts = INTERCOM_LAYOUTS.conversations!.children![0]!;
    expect(parts).toMatchObject({
      table: "conversation_part",
      path: "conversation_parts.conversation_parts",
    });
    // the inline parts and the conversation_parts stream land in the same table with the same columns
    expect([...parts.parentColumns, ...parts.columns!].map((c) => c.name)).toEqual(
      columns("conversation_parts"),
    );
    const keys = (s: string) => INTERCOM_LAYOUTS[s]!.columns!.filter((c) => c.key).map((c) => c.name);
    expect(keys("conversation_parts")).toEqual(["conversation_id", "id"]);
    expect(keys("data_attributes")).toEqual(["model", "full_name"]);
  });

  it("names contacts users, once, for tables and exported objects", () => {
    expect(intercomObjectName("contacts")).toBe("users");
    expect(intercomObjectName("conversations")).toBe("conversations");
    expect(withIntercomLayout({ name: "contacts", primaryKey: ["id"] }).layout?.table).toBe("users");
    expect(withIntercomLayout({ name: "other", primaryKey: [] }).layout).toBeUndefined();
  });
});
