/**
 * The workspace's conversations (§4.4): each keeps its core API object plus the creation times of
 * its parts; part bodies are derived on demand. Deleted ones stay, with `deletedAt`, for
 * GET /conversations/deleted.
 */
import { SENTENCES } from "../names.js";
import { hash32, Rng } from "../rng.js";

import type { AdminObjects } from "./admin-objects.js";
import type { Companies } from "./companies.js";
import type { Contacts } from "./contacts.js";
import type { JsonObject, WorkspaceBase, WorkspaceOptions } from "./types.js";
import { DAY, escapeHtml } from "./types.js";

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
export const PRIORITIES = ["none", "none", "none", "low", "medium", "high", "urgent"] as const;

export interface ConversationRecord {
  id: string;
  /** The API object without conversation_parts (list/search item shape). */
  obj: JsonObject;
  /** created_at of every part, oldest first. */
  partTimes: number[];
  deletedAt: number | null;
  metricsRetained: boolean;
}

export class Conversations {
  readonly records: ConversationRecord[] = [];
  readonly indexById = new Map<string, number>();

  constructor(
    private readonly base: WorkspaceBase,
    private readonly objects: AdminObjects,
    private readonly companies: Companies,
    private readonly contacts: Contacts,
    private readonly options: WorkspaceOptions,
  ) {
    this.generate();
  }

  /** Indices of the live (not deleted) conversations. */
  live(): number[] {
    return this.records.map((_, k) => k).filter((k) => this.isLive(k));
  }

  private generate(): void {
    const n = this.options.conversations;
    const span = 2 * 365 * DAY;
    const large = new Set(new Rng(hash32(this.base.seed, 9)).sample(n, this.options.largeConversations));
    for (let k = 0; k < n; k++) {
      const r = new Rng(hash32(this.base.seed, 10, k));
      const created = Math.floor(this.base.now - span + ((k + 0.5) * (span - DAY)) / n) - r.int(0, 600);
      let partCount: number;
      if (large.has(k)) partCount = r.int(520, 700);
      else if (r.bool(0.25)) partCount = 0;
      else partCount = 1 + Math.floor(r.next() ** 2 * this.options.maxPartsPerConversation);
      let end = Math.min(this.base.now - 60, created + r.int(60, 30 * DAY));
      if (r.bool(0.15)) end = Math.max(created + 60, this.base.now - r.int(60, 7 * DAY));
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
      rec.obj = this.build(k, rec.id, created, updated, partTimes, r);
      this.records.push(rec);
      this.indexById.set(rec.id, k);
    }
  }

  private build(
    k: number,
    id: string,
    created: number,
    updated: number,
    partTimes: number[],
    r: Rng,
  ): JsonObject {
    const nContacts = this.contacts.ids.length;
    const contactIdx = nContacts > 0 ? r.int(0, nContacts - 1) : -1;
    const contacts: JsonObject[] = [];
    if (contactIdx >= 0) {
      contacts.push({
        type: "contact",
        id: this.contacts.ids[contactIdx] as string,
        external_id: this.contacts.externalId(contactIdx),
      });
    }
    const adminInitiated = r.bool(0.3);
    const author: JsonObject =
      adminInitiated || contactIdx < 0
        ? this.objects.adminRef(r.int(0, 1000))
        : {
            type: this.contacts.role[contactIdx] === 0 ? "user" : "lead",
            id: this.contacts.ids[contactIdx] as string,
            name: this.contacts.name(contactIdx),
            email: this.contacts.email(contactIdx),
          };
    const state = r.pick(["open", "closed", "closed", "snoozed"] as const);
    const assigned = r.bool(0.7) && this.objects.admins.length > 0;
    const teamAssigned = r.bool(0.5) && this.objects.teams.length > 0;
    const tagIdx =
      this.objects.tags.length > 0 && r.bool(0.3) ? r.sample(this.objects.tags.length, r.int(1, 3)) : [];
    const count = partTimes.length;
    const firstReply = !adminInitiated && count > 0 ? (partTimes[0] as number) : null;
    const lastClose = state === "closed" ? updated : null;
    const teammates = assigned ? [this.objects.adminRef(r.int(0, 1000))] : [];
    const body = r.pick(SENTENCES);
    return {
      type: "conversation",
      id,
      created_at: created,
      updated_at: updated,
      waiting_since: state === "open" && r.bool(0.5) ? updated : null,
      snoozed_until: state === "snoozed" ? this.base.now + r.int(1, 30) * DAY : null,
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
      admin_assignee_id: assigned
        ? Number(this.objects.admins[r.int(0, this.objects.admins.length - 1)]?.id)
        : 0,
      team_assignee_id: teamAssigned
        ? Number(this.objects.teams[r.int(0, this.objects.teams.length - 1)]?.id)
        : 0,
      open: state !== "closed",
      state,
      read: r.bool(0.6),
      tags: {
        type: "tag.list",
        tags: tagIdx.map((t) => ({
          type: "tag",
          id: this.objects.tags[t]?.id ?? "",
          name: this.objects.tags[t]?.name ?? "",
          applied_at: created + 30,
          applied_by: { type: "admin", id: (this.objects.adminRef(t).id as string) ?? "0" },
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
        last_closed_by_id: lastClose === null ? null : ((this.objects.adminRef(k).id as string) ?? null),
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
            teammate: { type: "admin", id: (this.objects.adminRef(k).id as string) ?? "0" },
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
      channel: this.channel(r),
      company: this.company(contactIdx),
      external_references: r.bool(0.1) ? [{ type: "zendesk_ticket", id: String(3_633_000 + k) }] : [],
    };
  }

  private channel(r: Rng): JsonObject | null {
    if (r.bool(0.1)) return null;
    const initial = r.pick(["messenger", "messenger", "email", "zendesk_ticket", "twitter"]);
    return { initial, current: r.bool(0.9) ? initial : "email" };
  }

  /** The company of the conversation's contact (its first one), as a full company object. */
  private company(contactIdx: number): JsonObject | null {
    if (contactIdx < 0) return null;
    const c = this.contacts.companyIndices(contactIdx)[0];
    return c === undefined ? null : ((this.companies.list[c] as JsonObject) ?? null);
  }

  isLive(k: number): boolean {
    return this.records[k]?.deletedAt === null;
  }

  /** Part `p` of conversation `k` (derived deterministically; created_at from the stored times). */
  part(k: number, p: number): JsonObject {
    const rec = this.records[k] as ConversationRecord;
    const created = rec.partTimes[p] as number;
    const r = new Rng(hash32(this.base.seed, 20, k, p));
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
        : { ...this.objects.adminRef(r.int(0, 1000)), from_ai_agent: false, is_ai_answer: false };
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
        ? { type: "admin", id: this.objects.adminRef(r.int(0, 1000)).id ?? null }
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
    return this.records[k]?.partTimes.length ?? 0;
  }

  deleted(): { id: string; deleted_at: number; metrics_retained: boolean }[] {
    return this.records
      .filter((c) => c.deletedAt !== null)
      .map((c) => ({ id: c.id, deleted_at: c.deletedAt as number, metrics_retained: c.metricsRetained }));
  }
}
