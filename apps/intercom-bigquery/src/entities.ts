/**
 * The entities as the original function names them, and the Intercom streams behind them.
 * API 2.x has one contact model: `users` are contacts with role `user`, and `contacts` (the old
 * name of leads) are contacts with role `lead`. Every entity lands in a table named as the entity.
 */
export const ENTITIES = [
  "users",
  "companies",
  "contacts",
  "admins",
  "conversations",
  "teams",
  "tags",
  "segments",
] as const;
export type Entity = (typeof ENTITIES)[number];

/** Source stream of each entity. */
export const STREAM_OF: Readonly<Record<Entity, string>> = {
  users: "users",
  contacts: "leads",
  companies: "companies",
  admins: "admins",
  conversations: "conversations",
  teams: "teams",
  tags: "tags",
  segments: "segments",
};

/** Sink table per source stream: the entity name. */
export function tablesFor(entities: readonly Entity[]): Record<string, string> {
  return Object.fromEntries(entities.map((e) => [STREAM_OF[e], e]));
}

/** The entity a source stream was read for. */
export function entityOf(stream: string, entities: readonly Entity[]): Entity | undefined {
  return entities.find((e) => STREAM_OF[e] === stream);
}
