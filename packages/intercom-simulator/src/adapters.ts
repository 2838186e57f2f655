/** Search adapters: which fields of contacts and conversations are searchable, and how to read them. */
import type { FieldSpec, SearchAdapter } from "./search.js";
import type { JsonObject, Workspace } from "./workspace.js";

const CONTACT_DATES = [
  "created_at",
  "updated_at",
  "signed_up_at",
  "last_seen_at",
  "last_contacted_at",
  "last_replied_at",
  "last_email_opened_at",
  "last_email_clicked_at",
  "ios_last_seen_at",
  "android_last_seen_at",
];
const CONTACT_BOOLEANS = ["unsubscribed_from_emails", "marked_email_as_spam", "has_hard_bounced"];
const CONTACT_STRINGS = [
  "id",
  "role",
  "name",
  "avatar",
  "owner_id",
  "email",
  "email_domain",
  "phone",
  "formatted_phone",
  "external_id",
  "language_override",
  "browser",
  "browser_language",
  "os",
  "location.country",
  "location.region",
  "location.city",
  "ios_app_version",
  "ios_device",
  "ios_app_device",
  "ios_os_version",
  "ios_app_name",
  "ios_sdk_version",
  "android_app_version",
  "android_device",
  "android_app_name",
  "andoid_sdk_version",
  "android_sdk_version",
];

function kindOfDataType(dataType: unknown): FieldSpec["kind"] {
  if (dataType === "integer" || dataType === "float" || dataType === "decimal") return "number";
  if (dataType === "boolean") return "boolean";
  if (dataType === "date") return "date";
  return "string";
}

export function getPath(obj: JsonObject, field: string): unknown {
  if (field.startsWith("custom_attributes.")) {
    return (
      (obj.custom_attributes as JsonObject | undefined)?.[field.slice("custom_attributes.".length)] ?? null
    );
  }
  let cur: unknown = obj;
  for (const part of field.split(".")) {
    if (typeof cur !== "object" || cur === null) return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur ?? null;
}

export function contactAdapter(
  ws: Workspace,
  opts: { indexDelaySeconds: number; forList?: boolean },
): SearchAdapter {
  const fields = new Map<string, FieldSpec>();
  for (const f of CONTACT_DATES) fields.set(f, { kind: "date" });
  for (const f of CONTACT_BOOLEANS) fields.set(f, { kind: "boolean" });
  for (const f of CONTACT_STRINGS) fields.set(f, { kind: "string" });
  fields.set("tag_id", { kind: "tag" });
  fields.set("segment_id", { kind: "segment" });
  for (const a of ws.objects.dataAttributes.contact) {
    if (a.custom === true) fields.set(a.full_name as string, { kind: kindOfDataType(a.data_type) });
  }
  let cacheIdx = -1;
  let cacheVersion = -1;
  let cacheObj: JsonObject = {};
  const materialise = (idx: number): JsonObject => {
    if (idx !== cacheIdx || cacheVersion !== ws.version) {
      cacheObj = ws.contacts.contact(idx);
      cacheIdx = idx;
      cacheVersion = ws.version;
    }
    return cacheObj;
  };
  return {
    entity: "contact",
    dayGranularDates: true,
    timezone: ws.timezone,
    size: () => ws.contacts.ids.length,
    isLive: (idx) =>
      ws.contacts.isLive(idx) &&
      // "If a contact has recently been created ... it may not appear" (§4.1)
      (opts.forList === true || (ws.contacts.created[idx] as number) <= ws.now - opts.indexDelaySeconds),
    id: (idx) => ws.contacts.ids[idx] as string,
    field: (name) => fields.get(name),
    value: (idx, name) => {
      switch (name) {
        case "id":
          return ws.contacts.ids[idx];
        case "role":
          return ws.contacts.role[idx] === 0 ? "user" : "lead";
        case "created_at":
          return ws.contacts.created[idx];
        case "updated_at":
          return ws.contacts.updated[idx];
        case "signed_up_at":
          return ws.contacts.role[idx] === 0 ? ws.contacts.created[idx] : null;
        case "external_id":
          return ws.contacts.externalId(idx);
        case "email":
          return ws.contacts.email(idx);
        case "tag_id":
          return ws.contacts.tagIndices(idx).map((t) => ws.objects.tags[t]?.id);
        case "segment_id":
          return ws.objects.segments.filter((_, s) => ws.contacts.inSegment(idx, s)).map((s) => s.id);
        case "avatar":
          return (materialise(idx).avatar as JsonObject | null)?.image_url ?? null;
        case "formatted_phone":
          return materialise(idx).phone;
        case "andoid_sdk_version":
          return materialise(idx).android_sdk_version;
        default:
          return getPath(materialise(idx), name);
      }
    },
  };
}

const CONVERSATION_FIELDS: Record<string, FieldSpec["kind"]> = {
  id: "string",
  created_at: "date",
  updated_at: "date",
  "source.type": "string",
  "source.id": "string",
  "source.delivered_as": "string",
  "source.subject": "string",
  "source.body": "string",
  "source.author.id": "string",
  "source.author.type": "string",
  "source.author.name": "string",
  "source.author.email": "string",
  "source.url": "string",
  contact_ids: "string",
  teammate_ids: "string",
  admin_assignee_id: "number",
  team_assignee_id: "number",
  channel_initiated: "string",
  open: "boolean",
  read: "boolean",
  state: "string",
  waiting_since: "date",
  snoozed_until: "date",
  tag_ids: "string",
  priority: "string",
  "statistics.time_to_assignment": "number",
  "statistics.time_to_admin_reply": "number",
  "statistics.time_to_first_close": "number",
  "statistics.time_to_last_close": "number",
  "statistics.median_time_to_reply": "number",
  "statistics.first_contact_reply_at": "date",
  "statistics.first_assignment_at": "date",
  "statistics.first_admin_reply_at": "date",
  "statistics.first_close_at": "date",
  "statistics.last_assignment_at": "date",
  "statistics.last_assignment_admin_reply_at": "date",
  "statistics.last_contact_reply_at": "date",
  "statistics.last_admin_reply_at": "date",
  "statistics.last_close_at": "date",
  "statistics.last_closed_by_id": "string",
  "statistics.count_reopens": "number",
  "statistics.count_assignments": "number",
  "statistics.count_conversation_parts": "number",
  "conversation_rating.requested_at": "date",
  "conversation_rating.replied_at": "date",
  "conversation_rating.score": "number",
  "conversation_rating.remark": "string",
  "conversation_rating.contact_id": "string",
  "conversation_rating.admin_d": "string",
  ai_agent_participated: "boolean",
  "ai_agent.resolution_state": "string",
  "ai_agent.last_answer_type": "string",
  "ai_agent.rating": "number",
  "ai_agent.rating_remark": "string",
  "ai_agent.source_type": "string",
  "ai_agent.source_title": "string",
};

export function conversationAdapter(ws: Workspace): SearchAdapter {
  const fields = new Map<string, FieldSpec>();
  for (const [name, kind] of Object.entries(CONVERSATION_FIELDS)) fields.set(name, { kind });
  for (const a of ws.objects.conversationAttributes) {
    fields.set(`custom_attributes.${a.name as string}`, { kind: kindOfDataType(a.data_type) });
  }
  return {
    entity: "conversation",
    dayGranularDates: false,
    timezone: ws.timezone,
    size: () => ws.conversations.records.length,
    isLive: (k) => ws.conversations.isLive(k),
    id: (k) => ws.conversations.records[k]?.id as string,
    field: (name) => fields.get(name),
    value: (k, name) => {
      const obj = ws.conversations.records[k]?.obj as JsonObject;
      switch (name) {
        case "contact_ids":
          return ((obj.contacts as JsonObject).contacts as JsonObject[]).map((c) => c.id);
        case "teammate_ids":
          return (((obj.teammates as JsonObject | null)?.admins as JsonObject[] | undefined) ?? []).map(
            (a) => a.id,
          );
        case "tag_ids":
          return ((obj.tags as JsonObject).tags as JsonObject[]).map((t) => t.id);
        case "channel_initiated":
          return (obj.source as JsonObject).type;
        case "conversation_rating.requested_at":
        case "conversation_rating.replied_at":
          return (obj.conversation_rating as JsonObject | null)?.created_at ?? null;
        case "conversation_rating.score":
          return (obj.conversation_rating as JsonObject | null)?.rating ?? null;
        case "conversation_rating.contact_id":
          return ((obj.conversation_rating as JsonObject | null)?.contact as JsonObject | null)?.id ?? null;
        case "conversation_rating.admin_d":
          return ((obj.conversation_rating as JsonObject | null)?.teammate as JsonObject | null)?.id ?? null;
        default:
          return getPath(obj, name);
      }
    },
  };
}
