import type { JsonObject, JsonSchema } from "@sluice/core";

const str = { type: ["string", "null"] };
const id = { type: "string" };
const int = { type: ["integer", "null"] };
const ts = { type: ["integer", "null"], description: "Unix timestamp (seconds, UTC)" };
const bool = { type: ["boolean", "null"] };
const obj = { type: ["object", "null"] };
const arr = { type: ["array", "null"] };

function objectSchema(properties: Record<string, unknown>, required: string[] = ["id"]): JsonSchema {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    required,
    properties,
    additionalProperties: true,
  };
}

/** JSON Schema type of a data attribute's `data_type` (§4.9); dates are Unix seconds (ISO string tolerated). */
export function typeOfDataType(dataType: unknown): JsonSchema {
  switch (dataType) {
    case "integer":
      return { type: ["integer", "null"] };
    case "float":
    case "decimal":
      return { type: ["number", "null"] };
    case "boolean":
      return { type: ["boolean", "null"] };
    case "date":
    case "datetime":
      return { type: ["integer", "string", "null"], description: "date: Unix seconds (ISO-8601 tolerated)" };
    default:
      return { type: ["string", "null"] };
  }
}

/** `custom_attributes` schema from the custom data attributes of one model. */
export function customAttributesSchema(attributes: JsonObject[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const a of attributes) {
    if (a.custom !== true || typeof a.name !== "string") continue;
    properties[a.name] = {
      ...typeOfDataType(a.data_type),
      ...(typeof a.label === "string" ? { title: a.label } : {}),
      ...(a.archived === true ? { deprecated: true } : {}),
    };
  }
  return { type: ["object", "null"], properties, additionalProperties: true };
}

export function contactSchema(custom: JsonSchema): JsonSchema {
  return objectSchema({
    type: str,
    id,
    workspace_id: str,
    external_id: str,
    role: str,
    email: str,
    email_domain: str,
    phone: str,
    name: str,
    owner_id: str,
    has_hard_bounced: bool,
    marked_email_as_spam: bool,
    unsubscribed_from_emails: bool,
    created_at: ts,
    updated_at: ts,
    signed_up_at: ts,
    last_seen_at: ts,
    last_replied_at: ts,
    last_contacted_at: ts,
    last_email_opened_at: ts,
    last_email_clicked_at: ts,
    language_override: str,
    browser: str,
    os: str,
    custom_attributes: custom,
    avatar: obj,
    tags: obj,
    notes: obj,
    companies: obj,
    location: obj,
    social_profiles: obj,
  });
}

export function companySchema(custom: JsonSchema): JsonSchema {
  return objectSchema({
    type: str,
    id,
    company_id: str,
    app_id: str,
    name: str,
    plan: obj,
    remote_created_at: ts,
    created_at: ts,
    updated_at: ts,
    last_request_at: ts,
    size: int,
    website: str,
    industry: str,
    monthly_spend: { type: ["number", "null"] },
    session_count: int,
    user_count: int,
    custom_attributes: custom,
    tags: obj,
    segments: obj,
    notes: obj,
  });
}

const conversationProperties = {
  type: str,
  id,
  title: str,
  created_at: ts,
  updated_at: ts,
  waiting_since: ts,
  snoozed_until: ts,
  open: bool,
  state: str,
  read: bool,
  priority: str,
  admin_assignee_id: str,
  team_assignee_id: str,
  company: obj,
  tags: obj,
  conversation_rating: obj,
  source: obj,
  contacts: obj,
  teammates: obj,
  custom_attributes: obj,
  first_contact_reply: obj,
  sla_applied: obj,
  statistics: obj,
  linked_objects: obj,
  ai_agent_participated: bool,
  ai_agent: obj,
  channel: obj,
};

export function conversationSchema(custom?: JsonSchema): JsonSchema {
  return objectSchema({
    ...conversationProperties,
    ...(custom ? { custom_attributes: custom } : {}),
    conversation_parts: {
      type: ["object", "null"],
      description: "{type, conversation_parts: [part], total_count}; at most the 500 most recent parts",
    },
    parts_truncated: {
      type: ["boolean", "null"],
      description: "true when Intercom returned fewer parts than the conversation has (500-part cap)",
    },
  });
}

export function conversationPartSchema(): JsonSchema {
  return objectSchema(
    {
      type: str,
      id,
      conversation_id: id,
      part_type: str,
      body: str,
      created_at: ts,
      updated_at: ts,
      notified_at: ts,
      assigned_to: obj,
      author: obj,
      attachments: arr,
      external_id: str,
      redacted: bool,
      conversation_updated_at: ts,
    },
    ["id", "conversation_id"],
  );
}

export function adminSchema(): JsonSchema {
  return objectSchema({
    type: str,
    id,
    name: str,
    email: str,
    job_title: str,
    away_mode_enabled: bool,
    away_mode_reassign: bool,
    away_status_reason_id: str,
    has_inbox_seat: bool,
    team_ids: { type: ["array", "null"], items: { type: "string" } },
    avatar: obj,
    team_priority_level: obj,
    role: str,
  });
}

export function teamSchema(): JsonSchema {
  return objectSchema({
    type: str,
    id,
    name: str,
    admin_ids: { type: ["array", "null"], items: { type: "string" } },
    admin_priority_level: obj,
    assignment_limit: int,
    distribution_method: str,
  });
}

export function tagSchema(): JsonSchema {
  return objectSchema({ type: str, id, name: str });
}

export function segmentSchema(): JsonSchema {
  return objectSchema({
    type: str,
    id,
    name: str,
    created_at: ts,
    updated_at: ts,
    person_type: str,
    count: int,
  });
}

export function dataAttributeSchema(): JsonSchema {
  return objectSchema({
    type: str,
    id,
    model: str,
    name: str,
    full_name: str,
    label: str,
    description: str,
    data_type: str,
    options: arr,
    api_writable: bool,
    messenger_writable: bool,
    ui_writable: bool,
    custom: bool,
    archived: bool,
    created_at: ts,
    updated_at: ts,
    admin_id: str,
  });
}

export function deletedConversationSchema(): JsonSchema {
  return objectSchema({ type: str, id, deleted_at: ts, metrics_retained: bool });
}
