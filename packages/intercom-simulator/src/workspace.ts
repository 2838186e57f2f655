/**
 * The simulated Intercom workspace: deterministic generation from a seed, compact storage and
 * mutation. One store per entity (workspace/): admin objects (admins, teams, tags, segments,
 * data attributes), companies, contacts (column-wise, materialised on demand) and conversations
 * (parts derived on demand). This class only wires them together and applies mutations.
 */
import { hash32, hex, Rng } from "./rng.js";
import { AdminObjects } from "./workspace/admin-objects.js";
import { Companies } from "./workspace/companies.js";
import { Contacts } from "./workspace/contacts.js";
import { Conversations, PRIORITIES } from "./workspace/conversations.js";
import type {
  JsonObject,
  MutateOptions,
  MutateResult,
  WorkspaceBase,
  WorkspaceOptions,
} from "./workspace/types.js";

export type {
  DataAttribute,
  Json,
  JsonObject,
  MutateOptions,
  MutateResult,
  WorkspaceOptions,
} from "./workspace/types.js";
export { escapeHtml } from "./workspace/types.js";

export class Workspace implements WorkspaceBase {
  readonly seed: number;
  readonly timezone: string;
  now: number;
  /** Bumped by every mutation; search/list caches key on it. */
  version = 0;
  readonly appId: string;
  private mutationCounter = 0;

  readonly objects: AdminObjects;
  readonly companies: Companies;
  readonly contacts: Contacts;
  readonly conversations: Conversations;

  constructor(readonly options: WorkspaceOptions) {
    this.seed = options.seed;
    this.timezone = options.timezone;
    this.now = Math.floor(options.now);
    const rng = new Rng(hash32(this.seed, 1));
    this.appId = `sim${rng.hex(5)}`;
    this.objects = new AdminObjects(this, options, rng);
    this.companies = new Companies(this, this.objects, options);
    this.contacts = new Contacts(this, this.objects, this.companies);
    for (let i = 0; i < options.contacts; i++) this.contacts.append(this.contacts.initialTimes(i));
    this.companies.recount(this.contacts);
    this.conversations = new Conversations(this, this.objects, this.companies, this.contacts, options);
  }

  /** Mongo-ObjectId-like 24-hex id: 8 hex of a timestamp, 6 of the seed, 10 of a counter. */
  objectId(timestamp: number, counter: number): string {
    return (
      hex(timestamp, 8) +
      hex(hash32(this.seed, 7), 6) +
      hex(Math.floor(counter / 0x100000000), 2) +
      hex(counter, 8)
    );
  }

  /** Advances "now", changes records (stamping `updated_at = now`) and returns what changed. */
  mutate(m: MutateOptions): MutateResult {
    const r = new Rng(hash32(this.seed, 999, ++this.mutationCounter));
    if (m.advanceSeconds) this.now += Math.floor(m.advanceSeconds);
    const result: MutateResult = {
      now: this.now,
      updatedContacts: [],
      addedContacts: [],
      mergedContacts: [],
      deletedContacts: [],
      updatedConversations: [],
      conversationsWithNewParts: [],
      addedParts: 0,
      deletedConversations: [],
    };
    this.mutateContacts(m, r, result);
    this.mutateConversations(m, r, result);
    if (m.addContacts || m.mergeContacts || m.deleteContacts) this.companies.recount(this.contacts);
    this.version++;
    return result;
  }

  private mutateContacts(m: MutateOptions, r: Rng, result: MutateResult): void {
    const c = this.contacts;
    const now = this.now;
    const id = (i: number) => c.ids[i] as string;
    if (m.updateContacts) {
      for (const i of pickDistinct(r, c.live(), m.updateContacts)) {
        c.touch(i, now);
        result.updatedContacts.push(id(i));
      }
    }
    if (m.mergeContacts) {
      const live = c.live();
      const leads = live.filter((i) => c.role[i] === 1);
      const users = live.filter((i) => c.role[i] === 0);
      for (const from of pickDistinct(r, leads, m.mergeContacts)) {
        if (users.length === 0) break;
        const into = users[r.int(0, users.length - 1)] as number;
        c.mergeInto(from, into, now);
        result.mergedContacts.push({ from: id(from), into: id(into) });
      }
    }
    if (m.deleteContacts) {
      for (const i of pickDistinct(r, c.live(), m.deleteContacts)) {
        c.delete(i);
        result.deletedContacts.push(id(i));
      }
    }
    if (m.addContacts) {
      for (let n = 0; n < m.addContacts; n++) {
        const idx = c.append({ created: now, updated: now, role: r.bool(0.75) ? 0 : 1 });
        result.addedContacts.push(id(idx));
      }
    }
  }

  private mutateConversations(m: MutateOptions, r: Rng, result: MutateResult): void {
    const records = this.conversations.records;
    const now = this.now;
    if (m.updateConversations) {
      for (const k of pickDistinct(r, this.conversations.live(), m.updateConversations)) {
        const obj = (records[k] as (typeof records)[number]).obj;
        obj.updated_at = now;
        obj.read = !obj.read;
        obj.priority = r.pick(PRIORITIES);
        result.updatedConversations.push(obj.id as string);
      }
    }
    if (m.addParts) {
      const live = this.conversations.live();
      const touched = new Set<number>();
      for (let n = 0; n < m.addParts && live.length > 0; n++) {
        const k = live[r.int(0, live.length - 1)] as number;
        const rec = records[k] as (typeof records)[number];
        rec.partTimes.push(now);
        rec.obj.updated_at = now;
        const stats = rec.obj.statistics as JsonObject;
        stats.count_conversation_parts = rec.partTimes.length;
        stats.last_admin_reply_at = now;
        touched.add(k);
        result.addedParts++;
      }
      for (const k of touched) result.conversationsWithNewParts.push(records[k]?.id as string);
    }
    if (m.deleteConversations) {
      for (const k of pickDistinct(r, this.conversations.live(), m.deleteConversations)) {
        const rec = records[k] as (typeof records)[number];
        rec.deletedAt = now;
        result.deletedConversations.push(rec.id);
      }
    }
  }
}

function pickDistinct(r: Rng, pool: number[], n: number): number[] {
  return r.sample(pool.length, n).map((i) => pool[i] as number);
}
