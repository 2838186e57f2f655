/**
 * The simulated Intercom workspace: deterministic generation from a seed, compact storage and
 * mutation. Contacts are stored column-wise (a few numbers each) and materialised into full
 * API objects on demand, so 200k contacts cost tens of MB. Conversations keep their core object
 * plus the creation times of their parts; part bodies are derived on demand.
 */
import {
  ADMIN_NAMES,
  BROWSERS,
  COMPANY_WORDS,
  COUNTRIES,
  DOMAINS,
  FIRST_NAMES,
  INDUSTRIES,
  LANGUAGES,
  LAST_NAMES,
  NAME_DECORATIONS,
  OSES,
  PLANS,
  SEGMENT_NAMES,
  SENTENCES,
  TAG_NAMES,
  TEAM_NAMES,
} from "./names.js";
import { hash32, hex, Rng } from "./rng.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface WorkspaceOptions {
  seed: number;
  contacts: number;
  companies: number;
  conversations: number;
  admins: number;
  teams: number;
  tags: number;
  segments: number;
  largeConversations: number;
  maxPartsPerConversation: number;
  now: number;
  timezone: string;
}

export interface MutateOptions {
  updateContacts?: number;
  addContacts?: number;
  updateConversations?: number;
  addParts?: number;
  deleteConversations?: number;
  /** Permanently delete this many live contacts (GET /contacts/{id} then answers 404). */
  deleteContacts?: number;
  mergeContacts?: number;
  advanceSeconds?: number;
}

export interface MutateResult {
  /** Workspace "now" after the mutation; every changed record carries it as updated_at. */
  now: number;
  updatedContacts: string[];
  addedContacts: string[];
  mergedContacts: { from: string; into: string }[];
  deletedContacts: string[];
  updatedConversations: string[];
  /** Conversations that received new parts (one entry per conversation). */
  conversationsWithNewParts: string[];
  addedParts: number;
  deletedConversations: string[];
}

export interface DataAttribute extends JsonObject {}

const DAY = 86_400;
/** `contactMergedInto` value of a deleted contact. */
const CONTACT_DELETED = -2;
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

const PART_TYPES = [
  ["comment", 50],
  ["note", 10],
  ["assignment", 10],
  ["close", 8],
  ["open", 7],
  ["snoozed", 3],
  ["quick_reply", 2],
  ["custom_action_started", 2],
  ["custom_action_finished", 2],
  ["conversation_attribute_updated_by_admin", 3],
  ["assign_and_reopen", 3],
] as const;
const PART_WEIGHT_TOTAL = PART_TYPES.reduce((s, [, w]) => s + w, 0);
const PRIORITIES = ["none", "none", "none", "low", "medium", "high", "urgent"] as const;

interface ConversationRecord {
  id: string;
  /** The API object without conversation_parts (list/search item shape). */
  obj: JsonObject;
  /** created_at of every part, oldest first. */
  partTimes: number[];
  deletedAt: number | null;
  metricsRetained: boolean;
}

export class Workspace {
  readonly seed: number;
  readonly timezone: string;
  now: number;
  /** Bumped by every mutation; search/list caches key on it. */
  version = 0;
  readonly appId: string;
  private mutationCounter = 0;

  readonly admins: JsonObject[] = [];
  readonly teams: JsonObject[] = [];
  readonly tags: JsonObject[] = [];
  readonly segments: JsonObject[] = [];
  readonly companies: JsonObject[] = [];
  readonly companyIndexById = new Map<string, number>();
  /** Indices of companies that have users (the rest have none; §4.2 excludes them from /companies/list). */
  private readonly companiesWithUsers: number[] = [];
  readonly dataAttributes: { contact: DataAttribute[]; company: DataAttribute[] };
  readonly conversationAttributes: JsonObject[];

  // Contacts, column-wise.
  readonly contactIds: string[] = [];
  readonly contactCreated: number[] = [];
  readonly contactUpdated: number[] = [];
  readonly contactRole: number[] = []; // 0 user, 1 lead
  readonly contactVersion: number[] = [];
  readonly contactMergedInto: number[] = []; // -1 = live, -2 = deleted, else the index merged into
  readonly contactIndexById = new Map<string, number>();

  readonly conversations: ConversationRecord[] = [];
  readonly conversationIndexById = new Map<string, number>();

  constructor(readonly options: WorkspaceOptions) {
    this.seed = options.seed;
    this.timezone = options.timezone;
    this.now = Math.floor(options.now);
    const rng = new Rng(hash32(this.seed, 1));
    this.appId = `sim${rng.hex(5)}`;
    this.generateAdminsAndTeams(rng);
    this.generateTags();
    this.generateSegments(rng);
    this.dataAttributes = this.generateDataAttributes();
    this.conversationAttributes = this.generateConversationAttributes();
    this.generateCompanies();
    for (let i = 0; i < options.contacts; i++) this.appendContact(this.initialContactTimes(i));
    this.recountCompanyUsers();
    this.generateConversations();
  }

  // ---------------------------------------------------------------- generation

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
      const created = this.now - 400 * DAY + s * 3 * DAY;
      this.segments.push({
        type: "segment",
        id: this.objectId(created, 0x5e0000 + s),
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
      created_at: this.now - 500 * DAY,
      updated_at: this.now - 300 * DAY,
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
      created_at: this.now - 200 * DAY,
      updated_at: this.now - 100 * DAY,
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

  /** Mongo-ObjectId-like 24-hex id: 8 hex of a timestamp, 6 of the seed, 10 of a counter. */
  private objectId(timestamp: number, counter: number): string {
    return (
      hex(timestamp, 8) +
      hex(hash32(this.seed, 7), 6) +
      hex(Math.floor(counter / 0x100000000), 2) +
      hex(counter, 8)
    );
  }

  private generateCompanies(): void {
    const n = this.options.companies;
    for (let i = 0; i < n; i++) {
      const r = new Rng(hash32(this.seed, 2, i));
      const created = this.now - r.int(30, 1500) * DAY - r.int(0, DAY);
      const hasUsers = i === 0 || hash32(this.seed, 77, i) % 10 !== 0;
      if (hasUsers) this.companiesWithUsers.push(i);
      const word = r.pick(COMPANY_WORDS);
      const tagIdx = this.tags.length > 0 && r.bool(0.3) ? r.sample(this.tags.length, r.int(1, 3)) : [];
      const segIdx = this.segments.length > 0 && r.bool(0.2) ? r.sample(this.segments.length, 1) : [];
      const updated = Math.min(this.now - 60, created + r.int(0, this.now - created));
      const plan = r.pick(PLANS);
      const company: JsonObject = {
        type: "company",
        company_id: r.bool(0.9) ? `remote_company_${i}` : `ext-${r.uuid()}`,
        id: this.objectId(created, 0xc00000 + i),
        app_id: this.appId,
        name: `${word} ${i}`,
        remote_created_at: r.bool(0.8) ? created - r.int(0, 1000) * DAY : null,
        created_at: created,
        updated_at: updated,
        last_request_at: hasUsers ? updated - r.int(0, 5 * DAY) : created,
        size: r.bool(0.7) ? r.int(1, 5000) : null,
        website: r.bool(0.6)
          ? `https://www.${word.toLowerCase().replace(/[^a-z]/g, "") || "co"}${i}.example.com`
          : null,
        industry: r.pick(INDUSTRIES),
        monthly_spend: r.bool(0.5) ? Math.round(r.next() * 100_000) / 100 : 0,
        session_count: r.int(0, 5000),
        user_count: 0,
        tags: {
          type: "tag.list",
          tags: tagIdx.map((t) => ({
            type: "tag",
            id: this.tags[t]?.id ?? "",
            name: this.tags[t]?.name ?? "",
          })),
        },
        segments: {
          type: "segment.list",
          segments: segIdx.map((s) => ({ ...(this.segments[s] as JsonObject) })),
        },
        plan: r.bool(0.6) ? { type: "plan", id: String(269315 + PLANS.indexOf(plan)), name: plan } : {},
        custom_attributes: this.companyCustomAttributes(r),
        // 2.16 (§1.1): company notes
        notes: { type: "note.list", notes: this.companyNotes(r, i, created) },
      };
      this.companies.push(company);
      this.companyIndexById.set(company.id as string, i);
    }
  }

  private companyNotes(r: Rng, i: number, created: number): JsonObject[] {
    const count = r.bool(0.8) ? 0 : r.int(1, 3);
    return Array.from({ length: count }, (_, n) => ({
      type: "note",
      id: String(27_495_000 + i * 4 + n),
      created_at: created + (n + 1) * DAY,
      company: { type: "company", id: this.objectId(created, 0xc00000 + i) },
      author: this.adminRef(i + n),
      body: `<p>${escapeHtml(SENTENCES[(i + n) % SENTENCES.length] ?? "")}</p>`,
    }));
  }

  private companyCustomAttributes(r: Rng): JsonObject {
    const out: JsonObject = {};
    if (r.bool(0.8)) out.vertical = r.pick(["SaaS", "E-commerce", "Fintech", "Éducation", "ヘルスケア"]);
    if (r.bool(0.7)) out.employee_count = r.int(1, 20_000);
    if (r.bool(0.6)) out.churn_risk = Math.round(r.next() * 1000) / 1000;
    if (r.bool(0.7)) out.is_partner = r.bool(0.2);
    if (r.bool(0.5)) out.contract_renewal_at = this.now + r.int(-100, 400) * DAY;
    if (r.bool(0.2)) out["The One Ring"] = r.pick(["to rule them all", "my precious 💍", null]);
    return out;
  }

  private initialContactTimes(i: number): { created: number; updated: number; role: number } {
    const r = new Rng(hash32(this.seed, 3, i));
    const created = this.now - r.int(2 * 3600, 3 * 365 * DAY);
    let updated: number;
    const u = r.next();
    if (u < 0.2) updated = Math.max(created, this.now - r.int(60, 7 * DAY));
    else updated = created + Math.floor(r.next() * (this.now - 60 - created));
    return { created, updated: Math.max(created, updated), role: r.bool(0.75) ? 0 : 1 };
  }

  private appendContact(t: { created: number; updated: number; role: number }): number {
    const idx = this.contactIds.length;
    const id = this.objectId(t.created, idx);
    this.contactIds.push(id);
    this.contactCreated.push(t.created);
    this.contactUpdated.push(t.updated);
    this.contactRole.push(t.role);
    this.contactVersion.push(0);
    this.contactMergedInto.push(-1);
    this.contactIndexById.set(id, idx);
    return idx;
  }

  /** Company indices of a contact (deterministic; a few contacts have > 10 to exercise has_more). */
  contactCompanyIndices(idx: number): number[] {
    const pool = this.companiesWithUsers;
    if (pool.length === 0) return [];
    // Every company with users gets at least one contact.
    if (idx < pool.length) return [pool[idx] as number];
    const h = hash32(this.seed, 4, idx);
    const k = h % 100;
    const count = k < 25 ? 0 : k < 90 ? 1 : k < 99 ? 2 : 12;
    if (count === 0) return [];
    const r = new Rng(h);
    return r.sample(pool.length, count).map((p) => pool[p] as number);
  }

  contactTagIndices(idx: number): number[] {
    if (this.tags.length === 0) return [];
    const h = hash32(this.seed, 5, idx);
    const k = h % 100;
    const count = k < 50 ? 0 : k < 85 ? 1 + (h % 3) : k < 97 ? 4 + (h % 6) : 11 + (h % 4);
    return new Rng(h).sample(this.tags.length, count);
  }

  contactNoteCount(idx: number): number {
    const k = hash32(this.seed, 6, idx) % 100;
    return k < 70 ? 0 : k < 95 ? 1 + (k % 3) : 12;
  }

  contactInSegment(idx: number, segment: number): boolean {
    const seg = this.segments[segment];
    if (!seg) return false;
    const role = this.contactRole[idx] === 0 ? "user" : "contact";
    return seg.person_type === role && hash32(this.seed, 8, idx, segment) % 3 === 0;
  }

  private recountCompanyUsers(): void {
    const counts = new Array<number>(this.companies.length).fill(0);
    for (let i = 0; i < this.contactIds.length; i++) {
      if (!this.isContactLive(i)) continue;
      for (const c of this.contactCompanyIndices(i)) counts[c] = (counts[c] ?? 0) + 1;
    }
    counts.forEach((n, c) => {
      const company = this.companies[c];
      if (company) company.user_count = n;
    });
  }

  private generateConversations(): void {
    const n = this.options.conversations;
    const span = 2 * 365 * DAY;
    const large = new Set(new Rng(hash32(this.seed, 9)).sample(n, this.options.largeConversations));
    for (let k = 0; k < n; k++) {
      const r = new Rng(hash32(this.seed, 10, k));
      const created = Math.floor(this.now - span + ((k + 0.5) * (span - DAY)) / n) - r.int(0, 600);
      let partCount: number;
      if (large.has(k)) partCount = r.int(520, 700);
      else if (r.bool(0.25)) partCount = 0;
      else partCount = 1 + Math.floor(r.next() ** 2 * this.options.maxPartsPerConversation);
      let end = Math.min(this.now - 60, created + r.int(60, 30 * DAY));
      if (r.bool(0.15)) end = Math.max(created + 60, this.now - r.int(60, 7 * DAY));
      const partTimes: number[] = [];
      for (let p = 0; p < partCount; p++) {
        partTimes.push(created + 1 + Math.floor(((p + 1) * (end - created - 1)) / partCount));
      }
      const updated = partCount > 0 ? (partTimes[partCount - 1] as number) : end;
      const rec: ConversationRecord = {
        id: String(1000 + k),
        obj: {},
        partTimes,
        deletedAt: null,
        metricsRetained: r.bool(0.5),
      };
      rec.obj = this.buildConversation(k, rec.id, created, updated, partTimes, r);
      this.conversations.push(rec);
      this.conversationIndexById.set(rec.id, k);
    }
  }

  private adminRef(a: number): JsonObject {
    const admin = this.admins[a % Math.max(1, this.admins.length)];
    return {
      type: "admin",
      id: (admin?.id as string) ?? "0",
      name: admin?.name ?? null,
      email: admin?.email ?? null,
    };
  }

  private buildConversation(
    k: number,
    id: string,
    created: number,
    updated: number,
    partTimes: number[],
    r: Rng,
  ): JsonObject {
    const nContacts = this.contactIds.length;
    const contactIdx = nContacts > 0 ? r.int(0, nContacts - 1) : -1;
    const contacts: JsonObject[] = [];
    if (contactIdx >= 0) {
      contacts.push({
        type: "contact",
        id: this.contactIds[contactIdx] as string,
        external_id: this.contactExternalId(contactIdx),
      });
    }
    const adminInitiated = r.bool(0.3);
    const author: JsonObject =
      adminInitiated || contactIdx < 0
        ? this.adminRef(r.int(0, 1000))
        : {
            type: this.contactRole[contactIdx] === 0 ? "user" : "lead",
            id: this.contactIds[contactIdx] as string,
            name: this.contactName(contactIdx),
            email: this.contactEmail(contactIdx),
          };
    const state = r.pick(["open", "closed", "closed", "snoozed"] as const);
    const assigned = r.bool(0.7) && this.admins.length > 0;
    const teamAssigned = r.bool(0.5) && this.teams.length > 0;
    const tagIdx = this.tags.length > 0 && r.bool(0.3) ? r.sample(this.tags.length, r.int(1, 3)) : [];
    const count = partTimes.length;
    const firstReply = !adminInitiated && count > 0 ? (partTimes[0] as number) : null;
    const lastClose = state === "closed" ? updated : null;
    const teammates = assigned ? [this.adminRef(r.int(0, 1000))] : [];
    const body = r.pick(SENTENCES);
    return {
      type: "conversation",
      id,
      created_at: created,
      updated_at: updated,
      waiting_since: state === "open" && r.bool(0.5) ? updated : null,
      snoozed_until: state === "snoozed" ? this.now + r.int(1, 30) * DAY : null,
      source: {
        type: r.pick(["conversation", "conversation", "email", "push"]),
        id: String(403918000 + k),
        delivered_as: adminInitiated ? "admin_initiated" : "customer_initiated",
        subject: r.bool(0.3) ? "Re: your account ✉️" : "",
        body: `<p>${escapeHtml(body)}</p>`,
        author,
        attachments: [],
        url: null,
        redacted: false,
      },
      contacts: { type: "contact.list", contacts },
      first_contact_reply:
        firstReply === null ? null : { created_at: firstReply, type: "conversation", url: null },
      // 2.16: 0 (not null) when unassigned, §1.1
      admin_assignee_id: assigned ? Number(this.admins[r.int(0, this.admins.length - 1)]?.id) : 0,
      team_assignee_id: teamAssigned ? Number(this.teams[r.int(0, this.teams.length - 1)]?.id) : 0,
      open: state !== "closed",
      state,
      read: r.bool(0.6),
      tags: {
        type: "tag.list",
        tags: tagIdx.map((t) => ({
          type: "tag",
          id: this.tags[t]?.id ?? "",
          name: this.tags[t]?.name ?? "",
          applied_at: created + 30,
          applied_by: { type: "admin", id: (this.adminRef(t).id as string) ?? "0" },
        })),
      },
      priority: r.pick(PRIORITIES),
      sla_applied: null,
      statistics: {
        type: "conversation_statistics",
        time_to_assignment: assigned ? r.int(0, 3600) : null,
        time_to_admin_reply: count > 1 ? r.int(30, 7200) : null,
        time_to_first_close: lastClose === null ? null : lastClose - created,
        time_to_last_close: lastClose === null ? null : lastClose - created,
        median_time_to_reply: count > 1 ? r.int(30, 7200) : null,
        first_contact_reply_at: firstReply,
        first_assignment_at: assigned ? created + 5 : null,
        first_admin_reply_at: count > 1 ? (partTimes[1] as number) : null,
        first_close_at: lastClose,
        last_assignment_at: assigned ? created + 5 : null,
        last_assignment_admin_reply_at: null,
        last_contact_reply_at: firstReply,
        last_admin_reply_at: count > 1 ? (partTimes[count - 1] as number) : null,
        last_close_at: lastClose,
        last_closed_by_id: lastClose === null ? null : ((this.adminRef(k).id as string) ?? null),
        count_reopens: r.int(0, 2),
        count_assignments: assigned ? r.int(1, 3) : 0,
        count_conversation_parts: count,
      },
      conversation_rating: r.bool(0.1)
        ? {
            rating: r.int(1, 5),
            remark: r.bool(0.5) ? "Très bien 👍" : null,
            created_at: updated,
            contact: contacts[0] ?? null,
            teammate: { type: "admin", id: (this.adminRef(k).id as string) ?? "0" },
          }
        : null,
      teammates: teammates.length > 0 ? { type: "admin.list", admins: teammates } : null,
      title: r.bool(0.2) ? `Conversation #${id} — ${body.slice(0, 20)}` : null,
      custom_attributes: r.bool(0.5)
        ? { "Issue type": r.pick(["Billing", "Bug", "Question", "Feature request"]), Escalated: r.bool(0.1) }
        : {},
      topics: {},
      ticket: null,
      linked_objects: { type: "list", data: [], total_count: 0, has_more: false },
      ai_agent: null,
      ai_agent_participated: false,
      // 2.16 additions (§1.1)
      channel: this.conversationChannel(r),
      company: this.conversationCompany(contactIdx),
      external_references: r.bool(0.1) ? [{ type: "zendesk_ticket", id: String(3_633_000 + k) }] : [],
    };
  }

  private conversationChannel(r: Rng): JsonObject | null {
    if (r.bool(0.1)) return null;
    const initial = r.pick(["messenger", "messenger", "email", "zendesk_ticket", "twitter"]);
    return { initial, current: r.bool(0.9) ? initial : "email" };
  }

  /** The company of the conversation's contact (its first one), as a full company object. */
  private conversationCompany(contactIdx: number): JsonObject | null {
    if (contactIdx < 0) return null;
    const c = this.contactCompanyIndices(contactIdx)[0];
    return c === undefined ? null : ((this.companies[c] as JsonObject) ?? null);
  }

  // ---------------------------------------------------------------- contacts

  isContactLive(idx: number): boolean {
    return this.contactMergedInto[idx] === -1;
  }

  isContactDeleted(idx: number): boolean {
    return this.contactMergedInto[idx] === CONTACT_DELETED;
  }

  contactExternalId(idx: number): string | null {
    if (this.contactRole[idx] === 1) return null;
    const h = hash32(this.seed, 11, idx);
    return h % 5 === 0 ? `usr_${hex(h, 8)}` : String(1000 + idx);
  }

  contactName(idx: number): string | null {
    const r = new Rng(hash32(this.seed, 12, idx, this.contactVersion[idx] ?? 0));
    if (r.bool(0.08)) return null;
    return `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}${r.pick(NAME_DECORATIONS)}`;
  }

  contactEmail(idx: number): string | null {
    const h = hash32(this.seed, 13, idx);
    if (this.contactRole[idx] === 1 && h % 10 < 3) return null;
    const domain = DOMAINS[h % DOMAINS.length] ?? "example.com";
    return h % 17 === 0 ? `Mixed.Case+${idx}@${domain.toUpperCase()}` : `user${idx}@${domain}`;
  }

  /** The full API `contact` object (shape of the ShowContact 2.16 example). */
  contact(idx: number): JsonObject {
    const id = this.contactIds[idx] as string;
    const created = this.contactCreated[idx] as number;
    const updated = this.contactUpdated[idx] as number;
    const isUser = this.contactRole[idx] === 0;
    const r = new Rng(hash32(this.seed, 14, idx));
    const v = new Rng(hash32(this.seed, 15, idx, this.contactVersion[idx] ?? 0));
    const between = (rng: Rng, p: number): number | null =>
      rng.bool(p) ? created + Math.floor(rng.next() * (updated - created)) : null;
    const email = this.contactEmail(idx);
    const country = r.pick(COUNTRIES);
    const browser = r.bool(0.7) ? r.pick(BROWSERS) : null;
    const ios = r.bool(0.1);
    const android = !ios && r.bool(0.1);
    const tags = this.contactTagIndices(idx);
    const companies = this.contactCompanyIndices(idx);
    const notes = this.contactNoteCount(idx);
    const sub = (kind: string, data: JsonObject[], total: number): JsonObject => ({
      type: "list",
      data: data.slice(0, 10),
      url: `/contacts/${id}/${kind}`,
      total_count: total,
      has_more: total > 10,
    });
    const ownerIdx = r.int(0, 9);
    return {
      type: "contact",
      id,
      workspace_id: this.appId,
      external_id: this.contactExternalId(idx),
      role: isUser ? "user" : "lead",
      email,
      email_domain: email ? (email.split("@")[1]?.toLowerCase() ?? null) : null,
      phone: r.bool(0.3) ? `+3538${r.int(10_000_000, 99_999_999)}` : null,
      name: this.contactName(idx),
      avatar: r.bool(0.2) ? { type: "avatar", image_url: `https://static.example.com/c/${idx}.png` } : null,
      // 2.16: owner_id is a string (integer before), §1.1
      owner_id:
        ownerIdx < this.admins.length && r.bool(0.3) ? ((this.admins[ownerIdx]?.id as string) ?? null) : null,
      social_profiles: { type: "list", data: [] },
      has_hard_bounced: r.bool(0.02),
      marked_email_as_spam: r.bool(0.01),
      unsubscribed_from_emails: v.bool(0.1),
      created_at: created,
      updated_at: updated,
      signed_up_at: isUser ? created : null,
      last_seen_at: between(v, 0.8),
      last_replied_at: between(v, 0.3),
      last_contacted_at: between(v, 0.4),
      last_email_opened_at: between(v, 0.3),
      last_email_clicked_at: between(v, 0.1),
      language_override: r.bool(0.1) ? r.pick(LANGUAGES) : null,
      browser,
      browser_version: browser ? `${r.int(90, 130)}.0.${r.int(1000, 6000)}.${r.int(10, 200)}` : null,
      browser_language: browser ? r.pick(LANGUAGES) : null,
      os: r.bool(0.7) ? r.pick(OSES) : null,
      location: r.bool(0.8)
        ? {
            type: "location",
            country: country[0],
            region: country[1],
            city: country[2],
            country_code: country[3],
            continent_code: country[4],
          }
        : {
            type: "location",
            country: null,
            region: null,
            city: null,
            country_code: null,
            continent_code: null,
          },
      android_app_name: android ? "Sluice Demo" : null,
      android_app_version: android ? "5.0.0" : null,
      android_device: android ? "Pixel 8" : null,
      android_os_version: android ? "14" : null,
      android_sdk_version: android ? "34" : null,
      android_last_seen_at: android ? between(v, 1) : null,
      ios_app_name: ios ? "Sluice Demo" : null,
      ios_app_version: ios ? "5.0.0" : null,
      ios_device: ios ? "iPhone 15" : null,
      ios_os_version: ios ? "17.1" : null,
      ios_sdk_version: ios ? "17.1" : null,
      ios_last_seen_at: ios ? between(v, 1) : null,
      custom_attributes: this.contactCustomAttributes(idx, v),
      tags: sub(
        "tags",
        tags.map((t) => ({
          type: "tag",
          id: (this.tags[t]?.id as string) ?? "",
          url: `/tags/${this.tags[t]?.id}`,
        })),
        tags.length,
      ),
      notes: sub(
        "notes",
        Array.from({ length: Math.min(10, notes) }, (_, n) => ({
          type: "note",
          id: this.noteId(idx, n),
          url: `/notes/${this.noteId(idx, n)}`,
        })),
        notes,
      ),
      companies: sub(
        "companies",
        companies.map((c) => {
          const cid = this.companies[c]?.id as string;
          return { id: cid, type: "company", url: `/companies/${cid}` };
        }),
        companies.length,
      ),
      opted_out_subscription_types: sub("subscriptions", [], 0),
      opted_in_subscription_types: sub("subscriptions", [], 0),
      utm_campaign: null,
      utm_content: null,
      utm_medium: null,
      utm_source: r.bool(0.1) ? "newsletter" : null,
      utm_term: null,
      referrer: r.bool(0.1) ? "https://www.example.com/pricing" : null,
      enabled_push_messaging: ios || android ? true : null,
    };
  }

  private contactCustomAttributes(idx: number, v: Rng): JsonObject {
    const out: JsonObject = {};
    const created = this.contactCreated[idx] as number;
    if (v.bool(0.9)) out.plan = v.pick(PLANS);
    if (v.bool(0.7)) out.seats = v.int(1, 500);
    if (v.bool(0.6)) out.mrr = Math.round(v.next() * 1_000_000) / 100;
    if (v.bool(0.8)) out.beta_tester = v.bool(0.3);
    if (v.bool(0.5)) out.trial_ends_at = created + v.int(7, 60) * DAY;
    if (v.bool(0.15)) out["The One Ring"] = v.pick(["to rule them all", "my precious 💍", "", null]);
    if (v.bool(0.3)) out["favourite colour 🎨"] = v.pick(["rouge", "أزرق", "כחול", "緑", "purple"]);
    if (v.bool(0.1)) out.legacy_score = v.int(0, 100); // archived attribute, still present on old records
    return out;
  }

  noteId(idx: number, n: number): string {
    return String(17495000 + ((hash32(this.seed, 16, idx) % 1_000_000) * 16 + n));
  }

  note(idx: number, n: number): JsonObject {
    const created = (this.contactCreated[idx] as number) + n * 3600;
    return {
      type: "note",
      id: this.noteId(idx, n),
      created_at: created,
      contact: { type: "contact", id: this.contactIds[idx] as string },
      author: this.adminRef(idx + n),
      body: `<p>${escapeHtml(SENTENCES[(idx + n) % SENTENCES.length] ?? "")}</p>`,
    };
  }

  /** Follows the merge chain to the live contact (API: "resolving multi-hop merge chains (up to 3 hops)"). */
  canonicalContact(idx: number): number {
    let cur = idx;
    for (let hop = 0; hop < 10 && (this.contactMergedInto[cur] as number) >= 0; hop++)
      cur = this.contactMergedInto[cur] as number;
    return cur;
  }

  // ---------------------------------------------------------------- conversations

  isConversationLive(k: number): boolean {
    return this.conversations[k]?.deletedAt === null;
  }

  /** Part `p` of conversation `k` (derived deterministically; created_at from the stored times). */
  part(k: number, p: number): JsonObject {
    const rec = this.conversations[k] as ConversationRecord;
    const created = rec.partTimes[p] as number;
    const r = new Rng(hash32(this.seed, 20, k, p));
    let w = r.next() * PART_WEIGHT_TOTAL;
    let partType: string = "comment";
    for (const [t, weight] of PART_TYPES) {
      w -= weight;
      if (w < 0) {
        partType = t;
        break;
      }
    }
    const contact = (rec.obj.contacts as JsonObject).contacts as JsonObject[];
    const fromContact = partType === "comment" && contact.length > 0 && r.bool(0.4);
    const author: JsonObject = fromContact
      ? { type: "user", id: contact[0]?.id ?? null, name: null, email: null }
      : r.bool(0.1)
        ? {
            type: "bot",
            id: "278",
            name: "Fin",
            email: "operator+sim@example.com",
            from_ai_agent: true,
            is_ai_answer: true,
          }
        : { ...this.adminRef(r.int(0, 1000)), from_ai_agent: false, is_ai_answer: false };
    const hasBody = partType === "comment" || partType === "note" || partType === "quick_reply";
    return {
      type: "conversation_part",
      id: String(200_000_000 + k * 10_000 + p),
      part_type: partType,
      body: hasBody ? `<p>${escapeHtml(r.pick(SENTENCES))}</p>` : null,
      created_at: created,
      updated_at: created,
      notified_at: created,
      assigned_to: partType.startsWith("assign")
        ? { type: "admin", id: this.adminRef(r.int(0, 1000)).id ?? null }
        : null,
      author,
      attachments: [],
      external_id: null,
      redacted: false,
      email_message_metadata: null,
      state: partType === "close" ? "closed" : partType === "snoozed" ? "snoozed" : "open",
      tags: [],
      event_details: partType.startsWith("custom_action")
        ? {
            action: {
              name: "Jira Create Issue",
              ...(partType.endsWith("finished") ? { result: "success" } : {}),
            },
          }
        : null,
      app_package_code: partType.startsWith("custom_action") ? "test-integration" : null,
    };
  }

  partCount(k: number): number {
    return this.conversations[k]?.partTimes.length ?? 0;
  }

  // ---------------------------------------------------------------- mutation

  mutate(m: MutateOptions): MutateResult {
    const r = new Rng(hash32(this.seed, 999, ++this.mutationCounter));
    if (m.advanceSeconds) this.now += Math.floor(m.advanceSeconds);
    const now = this.now;
    const result: MutateResult = {
      now,
      updatedContacts: [],
      addedContacts: [],
      mergedContacts: [],
      deletedContacts: [],
      updatedConversations: [],
      conversationsWithNewParts: [],
      addedParts: 0,
      deletedConversations: [],
    };
    const liveContacts = (): number[] => {
      const out: number[] = [];
      for (let i = 0; i < this.contactIds.length; i++) if (this.isContactLive(i)) out.push(i);
      return out;
    };
    const liveConversations = (): number[] =>
      this.conversations.map((_, k) => k).filter((k) => this.isConversationLive(k));
    const pickDistinct = (pool: number[], n: number): number[] =>
      r.sample(pool.length, n).map((i) => pool[i] as number);

    if (m.updateContacts) {
      for (const i of pickDistinct(liveContacts(), m.updateContacts)) {
        this.contactUpdated[i] = now;
        this.contactVersion[i] = (this.contactVersion[i] ?? 0) + 1;
        result.updatedContacts.push(this.contactIds[i] as string);
      }
    }
    if (m.mergeContacts) {
      const live = liveContacts();
      const leads = live.filter((i) => this.contactRole[i] === 1);
      const users = live.filter((i) => this.contactRole[i] === 0);
      const sources = pickDistinct(leads, m.mergeContacts);
      for (const from of sources) {
        if (users.length === 0) break;
        const into = users[r.int(0, users.length - 1)] as number;
        this.contactMergedInto[from] = into;
        this.contactUpdated[into] = now;
        this.contactVersion[into] = (this.contactVersion[into] ?? 0) + 1;
        result.mergedContacts.push({
          from: this.contactIds[from] as string,
          into: this.contactIds[into] as string,
        });
      }
    }
    if (m.deleteContacts) {
      for (const i of pickDistinct(liveContacts(), m.deleteContacts)) {
        this.contactMergedInto[i] = CONTACT_DELETED;
        result.deletedContacts.push(this.contactIds[i] as string);
      }
    }
    if (m.addContacts) {
      for (let n = 0; n < m.addContacts; n++) {
        const idx = this.appendContact({ created: now, updated: now, role: r.bool(0.75) ? 0 : 1 });
        result.addedContacts.push(this.contactIds[idx] as string);
      }
    }
    if (m.updateConversations) {
      for (const k of pickDistinct(liveConversations(), m.updateConversations)) {
        const obj = (this.conversations[k] as ConversationRecord).obj;
        obj.updated_at = now;
        obj.read = !obj.read;
        obj.priority = r.pick(PRIORITIES);
        result.updatedConversations.push(obj.id as string);
      }
    }
    if (m.addParts) {
      const live = liveConversations();
      const touched = new Set<number>();
      for (let n = 0; n < m.addParts && live.length > 0; n++) {
        const k = live[r.int(0, live.length - 1)] as number;
        const rec = this.conversations[k] as ConversationRecord;
        rec.partTimes.push(now);
        rec.obj.updated_at = now;
        const stats = rec.obj.statistics as JsonObject;
        stats.count_conversation_parts = rec.partTimes.length;
        stats.last_admin_reply_at = now;
        touched.add(k);
        result.addedParts++;
      }
      for (const k of touched) result.conversationsWithNewParts.push(this.conversations[k]?.id as string);
    }
    if (m.deleteConversations) {
      for (const k of pickDistinct(liveConversations(), m.deleteConversations)) {
        const rec = this.conversations[k] as ConversationRecord;
        rec.deletedAt = now;
        result.deletedConversations.push(rec.id);
      }
    }
    if (m.addContacts || m.mergeContacts || m.deleteContacts) this.recountCompanyUsers();
    this.version++;
    return result;
  }

  deletedConversations(): { id: string; deleted_at: number; metrics_retained: boolean }[] {
    return this.conversations
      .filter((c) => c.deletedAt !== null)
      .map((c) => ({ id: c.id, deleted_at: c.deletedAt as number, metrics_retained: c.metricsRetained }));
  }

  /** Companies returned by POST /companies/list: only those with users (§4.2). */
  companyHasUsers(i: number): boolean {
    return ((this.companies[i]?.user_count as number) ?? 0) > 0;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, "<br>");
}
