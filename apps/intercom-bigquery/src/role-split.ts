/**
 * When both `users` and `contacts` (leads) are requested, the contact list is read once (source
 * stream `contacts`) and split by `role` into the two tables, instead of reading it once per
 * view: half the contact calls. Each table is still replaced by its own load job, one after the
 * other at commit.
 */
import type { CommitReport, JsonObject, Sink, SinkWriter } from "@sluice/core";
import { type Entity, STREAM_OF } from "./entities.js";

export const SPLIT_STREAM = "contacts";

export function splitsContacts(entities: readonly Entity[]): boolean {
  return entities.includes("users") && entities.includes("contacts");
}

/** Source streams for `entities` (in their order), the contact pair read once when split. */
export function streamsFor(entities: readonly Entity[]): string[] {
  const split = splitsContacts(entities);
  const streams = entities.map((e) =>
    split && (e === "users" || e === "contacts") ? SPLIT_STREAM : STREAM_OF[e],
  );
  return [...new Set(streams)];
}

/** Entities whose tables a committed stream replaced. */
export function entitiesOfStream(stream: string, entities: readonly Entity[]): Entity[] {
  if (stream === SPLIT_STREAM && splitsContacts(entities)) return ["users", "contacts"];
  return entities.filter((e) => STREAM_OF[e] === stream);
}

/** Records per entity of a split commit (`details.split`). */
export function splitCounts(report: CommitReport | undefined): Partial<Record<Entity, number>> {
  const split = report?.details?.split as JsonObject | undefined;
  return { users: Number(split?.users ?? 0), contacts: Number(split?.contacts ?? 0) };
}

/** Routes the `contacts` stream into the users view's and the leads view's writers by role. */
export function roleSplitSink(inner: Sink): Sink {
  return {
    ...inner,
    name: inner.name,
    async open(stream, options): Promise<SinkWriter> {
      if (stream.name !== SPLIT_STREAM) return inner.open(stream, options);
      const users = await inner.open({ ...stream, name: STREAM_OF.users }, options);
      const leads = await inner
        .open({ ...stream, name: STREAM_OF.contacts }, options)
        .catch(async (e: unknown) => {
          await users.abort(e);
          throw e;
        });
      return {
        async write(records) {
          const byRole: { user: JsonObject[]; lead: JsonObject[] } = { user: [], lead: [] };
          for (const r of records) if (r.role === "user" || r.role === "lead") byRole[r.role].push(r);
          await users.write(byRole.user);
          await leads.write(byRole.lead);
        },
        async commit(ctx) {
          const u = await users.commit(ctx);
          const l = await leads.commit(ctx);
          return {
            records: u.records + l.records,
            bytes: (u.bytes ?? 0) + (l.bytes ?? 0),
            details: { split: { users: u.records, contacts: l.records } },
          };
        },
        async abort(reason) {
          await Promise.all([users.abort(reason), leads.abort(reason)]);
        },
      };
    },
  };
}
