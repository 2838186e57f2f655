/**
 * The workspace's contacts (§4.1), stored column-wise (a few numbers each) and materialised into
 * full API objects on demand, so 200k contacts cost tens of MB. Merges and deletions keep the
 * row (`mergedInto`): merged ones answer 410, deleted ones 404.
 */
import {
  BROWSERS,
  COUNTRIES,
  DOMAINS,
  FIRST_NAMES,
  LANGUAGES,
  LAST_NAMES,
  NAME_DECORATIONS,
  OSES,
  PLANS,
  SENTENCES,
} from "../names.js";
import { hash32, hex, Rng } from "../rng.js";

import type { AdminObjects } from "./admin-objects.js";
import type { Companies } from "./companies.js";
import type { JsonObject, WorkspaceBase } from "./types.js";
import { CONTACT_DELETED, DAY, escapeHtml } from "./types.js";

export interface ContactTimes {
  created: number;
  updated: number;
  role: number;
}

export class Contacts {
  readonly ids: string[] = [];
  readonly created: number[] = [];
  readonly updated: number[] = [];
  readonly role: number[] = []; // 0 user, 1 lead
  readonly versions: number[] = [];
  readonly mergedInto: number[] = []; // -1 = live, -2 = deleted, else the index merged into
  readonly indexById = new Map<string, number>();

  constructor(
    private readonly base: WorkspaceBase,
    private readonly objects: AdminObjects,
    private readonly companies: Companies,
  ) {}

  /** Indices of the live contacts. */
  live(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ids.length; i++) if (this.isLive(i)) out.push(i);
    return out;
  }

  /** A new version of the contact at `now` (its materialised fields change). */
  touch(i: number, now: number): void {
    this.updated[i] = now;
    this.versions[i] = (this.versions[i] ?? 0) + 1;
  }

  mergeInto(from: number, into: number, now: number): void {
    this.mergedInto[from] = into;
    this.touch(into, now);
  }

  delete(i: number): void {
    this.mergedInto[i] = CONTACT_DELETED;
  }

  initialTimes(i: number): { created: number; updated: number; role: number } {
    const r = new Rng(hash32(this.base.seed, 3, i));
    const created = this.base.now - r.int(2 * 3600, 3 * 365 * DAY);
    let updated: number;
    const u = r.next();
    if (u < 0.2) updated = Math.max(created, this.base.now - r.int(60, 7 * DAY));
    else updated = created + Math.floor(r.next() * (this.base.now - 60 - created));
    return { created, updated: Math.max(created, updated), role: r.bool(0.75) ? 0 : 1 };
  }

  append(t: { created: number; updated: number; role: number }): number {
    const idx = this.ids.length;
    const id = this.base.objectId(t.created, idx);
    this.ids.push(id);
    this.created.push(t.created);
    this.updated.push(t.updated);
    this.role.push(t.role);
    this.versions.push(0);
    this.mergedInto.push(-1);
    this.indexById.set(id, idx);
    return idx;
  }

  /** Company indices of a contact (deterministic; a few contacts have > 10 to exercise has_more). */
  companyIndices(idx: number): number[] {
    const pool = this.companies.withUsers;
    if (pool.length === 0) return [];
    // Every company with users gets at least one contact.
    if (idx < pool.length) return [pool[idx] as number];
    const h = hash32(this.base.seed, 4, idx);
    const k = h % 100;
    const count = k < 25 ? 0 : k < 90 ? 1 : k < 99 ? 2 : 12;
    if (count === 0) return [];
    const r = new Rng(h);
    return r.sample(pool.length, count).map((p) => pool[p] as number);
  }

  tagIndices(idx: number): number[] {
    if (this.objects.tags.length === 0) return [];
    const h = hash32(this.base.seed, 5, idx);
    const k = h % 100;
    const count = k < 50 ? 0 : k < 85 ? 1 + (h % 3) : k < 97 ? 4 + (h % 6) : 11 + (h % 4);
    return new Rng(h).sample(this.objects.tags.length, count);
  }

  noteCount(idx: number): number {
    const k = hash32(this.base.seed, 6, idx) % 100;
    return k < 70 ? 0 : k < 95 ? 1 + (k % 3) : 12;
  }

  inSegment(idx: number, segment: number): boolean {
    const seg = this.objects.segments[segment];
    if (!seg) return false;
    const role = this.role[idx] === 0 ? "user" : "contact";
    return seg.person_type === role && hash32(this.base.seed, 8, idx, segment) % 3 === 0;
  }

  isLive(idx: number): boolean {
    return this.mergedInto[idx] === -1;
  }

  isDeleted(idx: number): boolean {
    return this.mergedInto[idx] === CONTACT_DELETED;
  }

  externalId(idx: number): string | null {
    if (this.role[idx] === 1) return null;
    const h = hash32(this.base.seed, 11, idx);
    return h % 5 === 0 ? `usr_${hex(h, 8)}` : String(1000 + idx);
  }

  name(idx: number): string | null {
    const r = new Rng(hash32(this.base.seed, 12, idx, this.versions[idx] ?? 0));
    if (r.bool(0.08)) return null;
    return `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}${r.pick(NAME_DECORATIONS)}`;
  }

  email(idx: number): string | null {
    const h = hash32(this.base.seed, 13, idx);
    if (this.role[idx] === 1 && h % 10 < 3) return null;
    const domain = DOMAINS[h % DOMAINS.length] ?? "example.com";
    return h % 17 === 0 ? `Mixed.Case+${idx}@${domain.toUpperCase()}` : `user${idx}@${domain}`;
  }

  /** The full API `contact` object (shape of the ShowContact 2.16 example). */
  contact(idx: number): JsonObject {
    const id = this.ids[idx] as string;
    const created = this.created[idx] as number;
    const updated = this.updated[idx] as number;
    const isUser = this.role[idx] === 0;
    const r = new Rng(hash32(this.base.seed, 14, idx));
    const v = new Rng(hash32(this.base.seed, 15, idx, this.versions[idx] ?? 0));
    const between = (rng: Rng, p: number): number | null =>
      rng.bool(p) ? created + Math.floor(rng.next() * (updated - created)) : null;
    const email = this.email(idx);
    const country = r.pick(COUNTRIES);
    const browser = r.bool(0.7) ? r.pick(BROWSERS) : null;
    const ios = r.bool(0.1);
    const android = !ios && r.bool(0.1);
    const tags = this.tagIndices(idx);
    const companies = this.companyIndices(idx);
    const notes = this.noteCount(idx);
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
      workspace_id: this.base.appId,
      external_id: this.externalId(idx),
      role: isUser ? "user" : "lead",
      email,
      email_domain: email ? (email.split("@")[1]?.toLowerCase() ?? null) : null,
      phone: r.bool(0.3) ? `+3538${r.int(10_000_000, 99_999_999)}` : null,
      name: this.name(idx),
      avatar: r.bool(0.2) ? { type: "avatar", image_url: `https://static.example.com/c/${idx}.png` } : null,
      // 2.16: owner_id is a string (integer before), §1.1
      owner_id:
        ownerIdx < this.objects.admins.length && r.bool(0.3)
          ? ((this.objects.admins[ownerIdx]?.id as string) ?? null)
          : null,
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
      custom_attributes: this.customAttributes(idx, v),
      tags: sub(
        "tags",
        tags.map((t) => ({
          type: "tag",
          id: (this.objects.tags[t]?.id as string) ?? "",
          url: `/tags/${this.objects.tags[t]?.id}`,
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
          const cid = this.companies.list[c]?.id as string;
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

  private customAttributes(idx: number, v: Rng): JsonObject {
    const out: JsonObject = {};
    const created = this.created[idx] as number;
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
    return String(17495000 + ((hash32(this.base.seed, 16, idx) % 1_000_000) * 16 + n));
  }

  note(idx: number, n: number): JsonObject {
    const created = (this.created[idx] as number) + n * 3600;
    return {
      type: "note",
      id: this.noteId(idx, n),
      created_at: created,
      contact: { type: "contact", id: this.ids[idx] as string },
      author: this.objects.adminRef(idx + n),
      body: `<p>${escapeHtml(SENTENCES[(idx + n) % SENTENCES.length] ?? "")}</p>`,
    };
  }

  /** Follows the merge chain to the live contact (API: "resolving multi-hop merge chains (up to 3 hops)"). */
  canonical(idx: number): number {
    let cur = idx;
    for (let hop = 0; hop < 10 && (this.mergedInto[cur] as number) >= 0; hop++)
      cur = this.mergedInto[cur] as number;
    return cur;
  }
}
