/**
 * How Intercom's streams are laid out in a tabular target (the tables the Sluice apps have
 * always produced): pure data, attached to a stream's descriptor as `layout`. A SQL sink needs
 * no Intercom names: the contacts → `users` naming lives here, once.
 *
 * Paths: `a.b` nested field, `a[].b` the `b` of every item of array `a` (a JSON array),
 * `x|y` the first of `x`, `y` that is present. Ids are VARCHAR(64); timestamps are Unix seconds.
 */
import type { ChildTableLayout, LayoutColumn, StreamDescriptor, TableLayout } from "@sluice/core";

const id = (name: string, extra: Partial<LayoutColumn> = {}): LayoutColumn => ({
  name,
  type: "string",
  maxLength: 64,
  ...extra,
});
const key = (name: string, extra: Partial<LayoutColumn> = {}): LayoutColumn =>
  id(name, { key: true, ...extra });
const str = (name: string, maxLength: number, extra: Partial<LayoutColumn> = {}): LayoutColumn => ({
  name,
  type: "string",
  maxLength,
  ...extra,
});
const text = (name: string): LayoutColumn => ({ name, type: "text" });
const ts = (name: string): LayoutColumn => ({ name, type: "timestamp", timestampFormat: "unix-seconds" });
const bool = (name: string): LayoutColumn => ({ name, type: "boolean" });
const int = (name: string, path?: string): LayoutColumn => ({
  name,
  type: "integer",
  ...(path ? { path } : {}),
});
const json = (name: string, path?: string): LayoutColumn => ({
  name,
  type: "json",
  ...(path ? { path } : {}),
});

/** Columns of a conversation part, wherever it comes from (inline in a conversation, or its own stream). */
const PART_COLUMNS: LayoutColumn[] = [
  key("id"),
  str("part_type", 255),
  // MEDIUMTEXT: a part body can exceed 64 KiB.
  { name: "body", type: "text", maxLength: 16_777_215 },
  id("author_id", { path: "author.id" }),
  str("author_type", 64, { path: "author.type" }),
  id("assigned_to_id", { path: "assigned_to.id|assigned_to" }),
  ts("created_at"),
  ts("updated_at"),
  ts("notified_at"),
];

/** A conversation's inline parts (`conversation_parts.conversation_parts`) → `conversation_part`. */
const INLINE_PARTS: ChildTableLayout = {
  table: "conversation_part",
  path: "conversation_parts.conversation_parts",
  // (conversation_id, id): part ids are unique in Intercom, but the pair is safe either way and
  // doubles as the conversation_id index (leftmost prefix).
  parentColumns: [key("conversation_id", { path: "id" })],
  columns: PART_COLUMNS,
};

/** Intercom contacts are called users in the warehouse (tables and exported objects). */
const CONTACTS_NAME = "users";

export const INTERCOM_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  contacts: {
    table: CONTACTS_NAME,
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
      str("priority", 32),
      ts("created_at"),
      ts("updated_at"),
      ts("waiting_since"),
      ts("snoozed_until"),
      id("admin_assignee_id"),
      id("team_assignee_id"),
      json("contact_ids", "contacts.contacts[].id"),
      str("source_type", 64, { path: "source.type" }),
      int("count_conversation_parts", "statistics.count_conversation_parts|conversation_parts.total_count"),
      bool("parts_truncated"),
      json("custom_attributes"),
    ],
    // `conversation.raw` leaves `conversation_parts` out: the parts live in their own table.
    children: [INLINE_PARTS],
  },
  conversation_parts: {
    table: "conversation_part",
    columns: [key("conversation_id"), ...PART_COLUMNS],
  },
  companies: {
    table: "companies",
    columns: [
      key("id"),
      str("company_id", 255),
      text("name"),
      str("plan", 255, { path: "plan.name|plan" }),
      text("website"),
      str("industry", 255),
      int("size"),
      { name: "monthly_spend", type: "number" },
      int("session_count"),
      int("user_count"),
      ts("remote_created_at"),
      ts("created_at"),
      ts("updated_at"),
      ts("last_request_at"),
      json("custom_attributes"),
    ],
  },
  admins: {
    table: "admins",
    columns: [
      key("id"),
      text("name"),
      str("email", 255),
      str("job_title", 255),
      str("role", 64, { path: "role.name|role" }),
      bool("away_mode_enabled"),
      bool("away_mode_reassign"),
      bool("has_inbox_seat"),
      json("team_ids"),
    ],
  },
  teams: { table: "teams", columns: [key("id"), text("name"), json("admin_ids")] },
  tags: { table: "tags", columns: [key("id"), text("name")] },
  segments: {
    table: "segments",
    columns: [
      key("id"),
      text("name"),
      str("person_type", 32),
      int("count"),
      ts("created_at"),
      ts("updated_at"),
    ],
  },
  data_attributes: {
    table: "data_attributes",
    // Standard attributes have no id (only custom ones do): keyed by (model, full_name).
    columns: [
      str("model", 64, { key: true }),
      str("full_name", 255, { key: true, path: "full_name|name" }),
      id("id"),
      str("name", 255),
      text("label"),
      text("description"),
      str("data_type", 32),
      bool("custom"),
      bool("archived"),
      bool("api_writable"),
      ts("created_at"),
      ts("updated_at"),
    ],
  },
};

/** Streams with a table layout (every stream the SQL apps can land). */
export const INTERCOM_LAYOUT_STREAMS: readonly string[] = Object.keys(INTERCOM_LAYOUTS);

/** Base name of a stream's exported objects: `users` for contacts, else the stream name. */
export function intercomObjectName(stream: string): string {
  return stream === "contacts" ? CONTACTS_NAME : stream;
}

/** The descriptor with Intercom's layout attached (unchanged when the stream has none). */
export function withIntercomLayout(descriptor: StreamDescriptor): StreamDescriptor {
  const layout = INTERCOM_LAYOUTS[descriptor.name];
  return layout ? { ...descriptor, layout } : descriptor;
}
