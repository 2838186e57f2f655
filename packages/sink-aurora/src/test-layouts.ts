/**
 * Test fixtures (not part of the build): layouts a data owner would attach to its descriptors,
 * here for contact-, conversation- and tag-shaped test records. The sink itself knows none of them.
 */
import type { LayoutColumn, StreamDescriptor, TableLayout } from "@sluice/core";

const id = (name: string, extra: Partial<LayoutColumn> = {}): LayoutColumn => ({
  name,
  type: "string",
  maxLength: 64,
  ...extra,
});
const key = (name: string, extra: Partial<LayoutColumn> = {}) => id(name, { key: true, ...extra });
const str = (name: string, maxLength: number, extra: Partial<LayoutColumn> = {}): LayoutColumn => ({
  name,
  type: "string",
  maxLength,
  ...extra,
});
const ts = (name: string): LayoutColumn => ({ name, type: "timestamp" });
const bool = (name: string): LayoutColumn => ({ name, type: "boolean" });
const text = (name: string): LayoutColumn => ({ name, type: "text" });
const json = (name: string, path?: string): LayoutColumn => ({
  name,
  type: "json",
  ...(path ? { path } : {}),
});

const PART: LayoutColumn[] = [
  key("id"),
  str("part_type", 255),
  { name: "body", type: "text", maxLength: 16_777_215 },
  id("author_id", { path: "author.id" }),
  str("author_type", 64, { path: "author.type" }),
  id("assigned_to_id", { path: "assigned_to.id|assigned_to" }),
  ts("created_at"),
  ts("updated_at"),
  ts("notified_at"),
];

export const TEST_LAYOUTS: Record<string, TableLayout> = {
  contacts: {
    table: "users",
    columns: [
      key("id"),
      str("external_id", 255),
      str("email", 255),
      text("name"),
      str("phone", 255),
      str("role", 64),
      id("owner_id"),
      ts("created_at"),
      ts("updated_at"),
      ts("last_seen_at"),
      ts("signed_up_at"),
      json("custom_attributes"),
    ],
  },
  conversations: {
    table: "conversation",
    columns: [
      key("id"),
      text("title"),
      str("state", 32),
      bool("open"),
      bool("read"),
      ts("created_at"),
      id("admin_assignee_id"),
      id("team_assignee_id"),
      json("contact_ids", "contacts.contacts[].id"),
      str("source_type", 64, { path: "source.type" }),
      { name: "count_conversation_parts", type: "integer", path: "statistics.count_conversation_parts" },
      bool("parts_truncated"),
      json("custom_attributes"),
    ],
    children: [
      {
        table: "conversation_part",
        path: "conversation_parts.conversation_parts",
        parentColumns: [key("conversation_id", { path: "id" })],
        columns: PART,
      },
    ],
  },
  conversation_parts: { table: "conversation_part", columns: [key("conversation_id"), ...PART] },
  tags: { table: "tags", columns: [key("id"), text("name")] },
  segments: {
    table: "segments",
    columns: [key("id"), text("name"), str("person_type", 32), ts("created_at")],
  },
  admins: {
    table: "admins",
    columns: [key("id"), text("name"), bool("has_inbox_seat"), json("team_ids")],
  },
};

/** A descriptor with its test layout attached. */
export function laidOut(name: string, extra: Partial<StreamDescriptor> = {}): StreamDescriptor {
  const layout = TEST_LAYOUTS[name];
  return { name, primaryKey: ["id"], ...(layout ? { layout } : {}), ...extra };
}
