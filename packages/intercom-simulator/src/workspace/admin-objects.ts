/**
 * The workspace's admin objects: admins, teams, tags, segments, data attributes and conversation
 * attributes (small, unpaginated lists, generated once).
 */
import { ADMIN_NAMES, SEGMENT_NAMES, TAG_NAMES, TEAM_NAMES } from "../names.js";
import type { Rng } from "../rng.js";

import type { DataAttribute, JsonObject, WorkspaceBase, WorkspaceOptions } from "./types.js";
import { DAY } from "./types.js";

const CONTACT_CUSTOM_ATTRIBUTES = [
  { name: "plan", data_type: "string", label: "Plan" },
  { name: "seats", data_type: "integer", label: "Seats" },
  { name: "mrr", data_type: "float", label: "MRR" },
  { name: "beta_tester", data_type: "boolean", label: "Beta tester" },
  { name: "trial_ends_at", data_type: "date", label: "Trial ends at" },
  { name: "The One Ring", data_type: "string", label: "The One Ring" },
  { name: "favourite colour 🎨", data_type: "string", label: "Favourite colour 🎨" },
  { name: "legacy_score", data_type: "integer", label: "Legacy score", archived: true },
] as const;
const COMPANY_CUSTOM_ATTRIBUTES = [
  { name: "vertical", data_type: "string", label: "Vertical" },
  { name: "employee_count", data_type: "integer", label: "Employee count" },
  { name: "churn_risk", data_type: "float", label: "Churn risk" },
  { name: "is_partner", data_type: "boolean", label: "Is partner" },
  { name: "contract_renewal_at", data_type: "date", label: "Contract renewal at" },
  { name: "The One Ring", data_type: "string", label: "The One Ring" },
] as const;

/** Standard contact attributes as listed by GET /data_attributes?model=contact (subset). */
const CONTACT_STANDARD: [string, string, string][] = [
  ["id", "string", "ID"],
  ["external_id", "string", "User ID"],
  ["role", "string", "Role"],
  ["email", "string", "Email"],
  ["email_domain", "string", "Email domain"],
  ["phone", "string", "Phone"],
  ["name", "string", "Name"],
  ["owner_id", "string", "Owner"],
  ["created_at", "date", "Signed up"],
  ["updated_at", "date", "Last updated"],
  ["signed_up_at", "date", "Signed up at"],
  ["last_seen_at", "date", "Last seen"],
  ["last_replied_at", "date", "Last replied"],
  ["last_contacted_at", "date", "Last contacted"],
  ["last_email_opened_at", "date", "Last opened email"],
  ["last_email_clicked_at", "date", "Last clicked on link in email"],
  ["unsubscribed_from_emails", "boolean", "Unsubscribed from emails"],
  ["has_hard_bounced", "boolean", "Has hard bounced"],
  ["marked_email_as_spam", "boolean", "Marked email as spam"],
  ["browser", "string", "Browser"],
  ["os", "string", "OS"],
  ["location.country", "string", "Country"],
  ["location.region", "string", "Region"],
  ["location.city", "string", "City"],
];
const COMPANY_STANDARD: [string, string, string][] = [
  ["id", "string", "ID"],
  ["company_id", "string", "Company ID"],
  ["name", "string", "Company name"],
  ["remote_created_at", "date", "Company created at"],
  ["last_request_at", "date", "Company last seen"],
  ["user_count", "integer", "People"],
  ["session_count", "integer", "Company web sessions"],
  ["plan.name", "string", "Plan"],
  ["monthly_spend", "float", "Monthly Spend"],
  ["size", "integer", "Company size"],
  ["industry", "string", "Company industry"],
  ["website", "string", "Company website"],
];

export class AdminObjects {
  readonly admins: JsonObject[] = [];
  readonly teams: JsonObject[] = [];
  readonly tags: JsonObject[] = [];
  readonly segments: JsonObject[] = [];
  readonly dataAttributes: { contact: DataAttribute[]; company: DataAttribute[] };
  readonly conversationAttributes: JsonObject[];

  constructor(
    private readonly base: WorkspaceBase,
    private readonly options: WorkspaceOptions,
    rng: Rng,
  ) {
    this.generateAdminsAndTeams(rng);
    this.generateTags();
    this.generateSegments(rng);
    this.dataAttributes = this.generateDataAttributes();
    this.conversationAttributes = this.generateConversationAttributes();
  }

  private generateAdminsAndTeams(rng: Rng): void {
    const { admins, teams } = this.options;
    for (let t = 0; t < teams; t++) {
      this.teams.push({
        type: "team",
        id: String(5017600 + t * 3),
        name: TEAM_NAMES[t % TEAM_NAMES.length] + (t >= TEAM_NAMES.length ? ` ${t}` : ""),
        admin_ids: [],
        admin_priority_level: { primary_admin_ids: [], secondary_admin_ids: [] },
        assignment_limit: t % 2 === 0 ? null : 10,
        distribution_method: t % 3 === 0 ? null : "round_robin",
      });
    }
    for (let a = 0; a < admins; a++) {
      const id = 991267400 + a * 7;
      const teamIdx = teams > 0 && a % 5 !== 4 ? rng.sample(teams, a % 3 === 0 ? 2 : 1) : [];
      const teamIds = teamIdx.map((t) => Number(this.teams[t]?.id));
      for (const t of teamIdx) {
        const team = this.teams[t] as JsonObject;
        (team.admin_ids as number[]).push(id);
        ((team.admin_priority_level as JsonObject).primary_admin_ids as number[]).push(id);
      }
      const name = ADMIN_NAMES[a % ADMIN_NAMES.length] + (a >= ADMIN_NAMES.length ? ` ${a}` : "");
      this.admins.push({
        type: "admin",
        email: `admin${a}@example.com`,
        id: String(id),
        name,
        job_title: a % 4 === 0 ? null : "Support Agent",
        away_mode_enabled: a % 6 === 5,
        away_mode_reassign: a % 6 === 5,
        away_status_reason_id: null,
        has_inbox_seat: a % 7 !== 6,
        team_ids: teamIds,
        avatar: `https://static.example.com/avatars/${a}.png`,
        team_priority_level: { primary_team_ids: teamIds, secondary_team_ids: [] },
        role: {
          type: "role",
          id: String(1 + (a % 3)),
          name: ["Admin", "Support Agent", "Viewer"][a % 3] ?? "Admin",
        },
      });
    }
  }

  private generateTags(): void {
    for (let t = 0; t < this.options.tags; t++) {
      const base = TAG_NAMES[t % TAG_NAMES.length] ?? "tag";
      this.tags.push({
        type: "tag",
        id: String(102 + t),
        name: t < TAG_NAMES.length ? base : `${base} ${t}`,
      });
    }
  }

  private generateSegments(rng: Rng): void {
    for (let s = 0; s < this.options.segments; s++) {
      const created = this.base.now - 400 * DAY + s * 3 * DAY;
      this.segments.push({
        type: "segment",
        id: this.base.objectId(created, 0x5e0000 + s),
        name: SEGMENT_NAMES[s % SEGMENT_NAMES.length] + (s >= SEGMENT_NAMES.length ? ` ${s}` : ""),
        created_at: created,
        updated_at: created + rng.int(0, 100) * DAY,
        person_type: s % 3 === 2 ? "contact" : "user",
      });
    }
  }

  private generateDataAttributes(): { contact: DataAttribute[]; company: DataAttribute[] } {
    const std = (model: string, [fullName, dataType, label]: [string, string, string]): DataAttribute => ({
      type: "data_attribute",
      name: fullName.split(".").at(-1) ?? fullName,
      full_name: fullName,
      label,
      description: `The ${label.toLowerCase()} of a ${model}`,
      data_type: dataType,
      api_writable: !["id", "created_at", "updated_at", "user_count", "session_count"].includes(fullName),
      ui_writable: false,
      messenger_writable: true,
      custom: false,
      archived: false,
      model,
    });
    let nextId = 12878;
    const custom = (
      model: string,
      a: { name: string; data_type: string; label: string; archived?: boolean },
    ): DataAttribute => ({
      type: "data_attribute",
      id: nextId++,
      name: a.name,
      full_name: `custom_attributes.${a.name}`,
      label: a.label,
      description: "",
      data_type: a.data_type,
      api_writable: true,
      ui_writable: true,
      messenger_writable: false,
      custom: true,
      archived: a.archived ?? false,
      admin_id: this.admins[0]?.id ?? null,
      created_at: this.base.now - 500 * DAY,
      updated_at: this.base.now - 300 * DAY,
      model,
    });
    return {
      contact: [
        ...CONTACT_STANDARD.map((a) => std("contact", a)),
        ...CONTACT_CUSTOM_ATTRIBUTES.map((a) => custom("contact", a)),
      ],
      company: [
        ...COMPANY_STANDARD.map((a) => std("company", a)),
        ...COMPANY_CUSTOM_ATTRIBUTES.map((a) => custom("company", a)),
      ],
    };
  }

  private generateConversationAttributes(): JsonObject[] {
    const base = {
      description: "",
      required: false,
      visible_to_team_ids: [],
      archived: false,
      created_at: this.base.now - 200 * DAY,
      updated_at: this.base.now - 100 * DAY,
      admin_id: this.admins[0]?.id ?? null,
    };
    return [
      {
        type: "conversation_attribute",
        id: 1,
        name: "Issue type",
        data_type: "string",
        ...base,
        multiline: false,
      },
      { type: "conversation_attribute", id: 2, name: "Escalated", data_type: "boolean", ...base },
      { type: "conversation_attribute", id: 3, name: "Refund amount", data_type: "decimal", ...base },
    ];
  }

  adminRef(a: number): JsonObject {
    const admin = this.admins[a % Math.max(1, this.admins.length)];
    return {
      type: "admin",
      id: (admin?.id as string) ?? "0",
      name: admin?.name ?? null,
      email: admin?.email ?? null,
    };
  }
}
