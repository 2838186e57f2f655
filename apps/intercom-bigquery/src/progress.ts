/**
 * Resuming a refresh cycle across invocations. After each entity's table is replaced its name is
 * recorded under one state key per dataset; a call that finds an unfinished cycle younger than
 * the resume window refreshes only the entities it lacks. A finished (or stale) cycle starts a
 * fresh one: every requested entity is refreshed again.
 */
import type { Checkpoint, StateStore } from "@sluice/core";
import type { Entity } from "./entities.js";

export interface Cycle {
  startedAt: string;
  done: Entity[];
}

export function progressKey(projectId: string, datasetId: string): string {
  return `intercom-bigquery/${projectId}.${datasetId}`;
}

/** The cycle to continue, or a new one; `remaining` keeps the request's order. */
export async function startCycle(
  store: StateStore,
  key: string,
  requested: readonly Entity[],
  resumeWindowMs: number,
  now: Date,
): Promise<{ cycle: Cycle; remaining: Entity[]; resumed: boolean }> {
  const saved = resumeWindowMs > 0 ? await store.load(key) : undefined;
  const startedAt = typeof saved?.startedAt === "string" ? saved.startedAt : undefined;
  const done = Array.isArray(saved?.done) ? (saved.done as Entity[]) : [];
  const fresh = now.getTime() - Date.parse(startedAt ?? "") <= resumeWindowMs;
  const unfinished = requested.some((e) => !done.includes(e));
  if (startedAt && fresh && unfinished && done.length > 0) {
    return {
      cycle: { startedAt, done },
      remaining: requested.filter((e) => !done.includes(e)),
      resumed: true,
    };
  }
  return { cycle: { startedAt: now.toISOString(), done: [] }, remaining: [...requested], resumed: false };
}

export async function markDone(store: StateStore, key: string, cycle: Cycle, entity: Entity): Promise<void> {
  if (!cycle.done.includes(entity)) cycle.done.push(entity);
  await store.save(key, { startedAt: cycle.startedAt, done: [...cycle.done] } as Checkpoint);
}
