/** The workspace's companies (§4.2): generation, notes (2.16), custom attributes, user counts. */
import { COMPANY_WORDS, INDUSTRIES, PLANS, SENTENCES } from "../names.js";
import { hash32, Rng } from "../rng.js";
import type { AdminObjects } from "./admin-objects.js";
import type { Contacts } from "./contacts.js";
import type { JsonObject, WorkspaceBase, WorkspaceOptions } from "./types.js";
import { DAY, escapeHtml } from "./types.js";

export class Companies {
  readonly list: JsonObject[] = [];
  readonly indexById = new Map<string, number>();
  /** Indices of companies that have users (the rest have none; §4.2 excludes them from /companies/list). */
  readonly withUsers: number[] = [];

  constructor(
    private readonly base: WorkspaceBase,
    private readonly objects: AdminObjects,
    private readonly options: WorkspaceOptions,
  ) {
    this.generate();
  }

  private generate(): void {
    const n = this.options.companies;
    for (let i = 0; i < n; i++) {
      const r = new Rng(hash32(this.base.seed, 2, i));
      const created = this.base.now - r.int(30, 1500) * DAY - r.int(0, DAY);
      const hasUsers = i === 0 || hash32(this.base.seed, 77, i) % 10 !== 0;
      if (hasUsers) this.withUsers.push(i);
      const word = r.pick(COMPANY_WORDS);
      const tagIdx =
        this.objects.tags.length > 0 && r.bool(0.3) ? r.sample(this.objects.tags.length, r.int(1, 3)) : [];
      const segIdx =
        this.objects.segments.length > 0 && r.bool(0.2) ? r.sample(this.objects.segments.length, 1) : [];
      const updated = Math.min(this.base.now - 60, created + r.int(0, this.base.now - created));
      const plan = r.pick(PLANS);
      const company: JsonObject = {
        type: "company",
        company_id: r.bool(0.9) ? `remote_company_${i}` : `ext-${r.uuid()}`,
        id: this.base.objectId(created, 0xc00000 + i),
        app_id: this.base.appId,
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
            id: this.objects.tags[t]?.id ?? "",
            name: this.objects.tags[t]?.name ?? "",
          })),
        },
        segments: {
          type: "segment.list",
          segments: segIdx.map((s) => ({ ...(this.objects.segments[s] as JsonObject) })),
        },
        plan: r.bool(0.6) ? { type: "plan", id: String(269315 + PLANS.indexOf(plan)), name: plan } : {},
        custom_attributes: this.companyCustomAttributes(r),
        // 2.16 (§1.1): company notes
        notes: { type: "note.list", notes: this.companyNotes(r, i, created) },
      };
      this.list.push(company);
      this.indexById.set(company.id as string, i);
    }
  }

  private companyNotes(r: Rng, i: number, created: number): JsonObject[] {
    const count = r.bool(0.8) ? 0 : r.int(1, 3);
    return Array.from({ length: count }, (_, n) => ({
      type: "note",
      id: String(27_495_000 + i * 4 + n),
      created_at: created + (n + 1) * DAY,
      company: { type: "company", id: this.base.objectId(created, 0xc00000 + i) },
      author: this.objects.adminRef(i + n),
      body: `<p>${escapeHtml(SENTENCES[(i + n) % SENTENCES.length] ?? "")}</p>`,
    }));
  }

  private companyCustomAttributes(r: Rng): JsonObject {
    const out: JsonObject = {};
    if (r.bool(0.8)) out.vertical = r.pick(["SaaS", "E-commerce", "Fintech", "Éducation", "ヘルスケア"]);
    if (r.bool(0.7)) out.employee_count = r.int(1, 20_000);
    if (r.bool(0.6)) out.churn_risk = Math.round(r.next() * 1000) / 1000;
    if (r.bool(0.7)) out.is_partner = r.bool(0.2);
    if (r.bool(0.5)) out.contract_renewal_at = this.base.now + r.int(-100, 400) * DAY;
    if (r.bool(0.2)) out["The One Ring"] = r.pick(["to rule them all", "my precious 💍", null]);
    return out;
  }

  /** `user_count` of every company from its live contacts. */
  recount(contacts: Contacts): void {
    const counts = new Array<number>(this.list.length).fill(0);
    for (let i = 0; i < contacts.ids.length; i++) {
      if (!contacts.isLive(i)) continue;
      for (const c of contacts.companyIndices(i)) counts[c] = (counts[c] ?? 0) + 1;
    }
    counts.forEach((n, c) => {
      const company = this.list[c];
      if (company) company.user_count = n;
    });
  }

  /** Companies returned by POST /companies/list: only those with users (§4.2). */
  hasUsers(i: number): boolean {
    return ((this.list[i]?.user_count as number) ?? 0) > 0;
  }
}
