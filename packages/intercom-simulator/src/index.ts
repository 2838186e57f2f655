import { type FaultSpec, faultsSchema, resolveOptions, type SimulatorOptions } from "./options.js";
import { SimulatorServer, type SimulatorStats } from "./server.js";
import { type JsonObject, type MutateOptions, type MutateResult, Workspace } from "./workspace.js";

export { DEFAULT_TOKEN, type FaultSpec, KNOWN_VERSIONS, type SimulatorOptions } from "./options.js";
export type { SimulatorStats } from "./server.js";
export type { JsonObject, MutateOptions, MutateResult } from "./workspace.js";

/** The generated data, for test assertions. Getters reflect the current state (after mutations). */
export interface SimulatedWorkspace {
  readonly appId: string;
  /** Workspace "now" (unix seconds); mutations stamp it as updated_at. */
  readonly now: number;
  readonly timezone: string;
  /** Live (not merged) contacts as GET /contacts/{id} returns them. Materialised on access. */
  readonly contacts: JsonObject[];
  readonly companies: JsonObject[];
  readonly admins: JsonObject[];
  readonly teams: JsonObject[];
  readonly tags: JsonObject[];
  readonly segments: JsonObject[];
  readonly dataAttributes: { contact: JsonObject[]; company: JsonObject[] };
  readonly conversationAttributes: JsonObject[];
  /** Live conversations (list-item shape) plus `parts`: every part, uncapped, oldest first. */
  readonly conversations: (JsonObject & { parts: JsonObject[] })[];
  readonly deletedConversations: { id: string; deleted_at: number; metrics_retained: boolean }[];
  /** Number of contacts ever generated (including merged ones) without materialising them. */
  readonly contactCount: number;
  /** Materialises one contact by id (merged ones too), or undefined. */
  contact(id: string): JsonObject | undefined;
  /** One conversation with all its parts, or undefined (deleted ones too). */
  conversation(id: string): (JsonObject & { parts: JsonObject[] }) | undefined;
}

export interface IntercomSimulator {
  readonly url: string;
  /** The first accepted token. */
  readonly token: string;
  readonly workspace: SimulatedWorkspace;
  stats(): SimulatorStats;
  resetStats(): void;
  mutate(changes: MutateOptions): MutateResult;
  injectFaults(faults: FaultSpec[]): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function workspaceView(ws: Workspace): SimulatedWorkspace {
  const withParts = (k: number): JsonObject & { parts: JsonObject[] } => {
    const parts: JsonObject[] = [];
    for (let p = 0; p < ws.conversations.partCount(k); p++) parts.push(ws.conversations.part(k, p));
    return { ...(ws.conversations.records[k]?.obj as JsonObject), parts };
  };
  return {
    get appId() {
      return ws.appId;
    },
    get now() {
      return ws.now;
    },
    get timezone() {
      return ws.timezone;
    },
    get contacts() {
      const out: JsonObject[] = [];
      for (let i = 0; i < ws.contacts.ids.length; i++)
        if (ws.contacts.isLive(i)) out.push(ws.contacts.contact(i));
      return out;
    },
    get companies() {
      return ws.companies.list;
    },
    get admins() {
      return ws.objects.admins;
    },
    get teams() {
      return ws.objects.teams;
    },
    get tags() {
      return ws.objects.tags;
    },
    get segments() {
      return ws.objects.segments;
    },
    get dataAttributes() {
      return ws.objects.dataAttributes;
    },
    get conversationAttributes() {
      return ws.objects.conversationAttributes;
    },
    get conversations() {
      return ws.conversations.live().map(withParts);
    },
    get deletedConversations() {
      return ws.conversations.deleted();
    },
    get contactCount() {
      return ws.contacts.ids.length;
    },
    contact(id: string) {
      const idx = ws.contacts.indexById.get(id);
      return idx === undefined ? undefined : ws.contacts.contact(idx);
    },
    conversation(id: string) {
      const k = ws.conversations.indexById.get(id);
      return k === undefined ? undefined : withParts(k);
    },
  };
}

/** Starts a simulated Intercom REST API (2.16) on 127.0.0.1. See README.md. */
export async function startSimulator(options?: SimulatorOptions): Promise<IntercomSimulator> {
  const opts = resolveOptions(options);
  const ws = new Workspace({
    seed: opts.seed,
    contacts: opts.contacts,
    companies: opts.companies,
    conversations: opts.conversations,
    admins: opts.admins,
    teams: opts.teams,
    tags: opts.tags,
    segments: opts.segments,
    largeConversations: Math.min(opts.largeConversations, opts.conversations),
    maxPartsPerConversation: opts.maxPartsPerConversation,
    now: opts.now ?? Math.floor(Date.now() / 1000),
    timezone: opts.timezone,
  });
  const server = new SimulatorServer(ws, opts);
  const url = await server.listen();
  const token = Array.isArray(opts.token) ? (opts.token[0] as string) : opts.token;
  return {
    url,
    token,
    workspace: workspaceView(ws),
    stats: () => structuredClone(server.stats),
    resetStats: () => {
      server.stats = SimulatorServer.emptyStats();
    },
    mutate: (changes) => ws.mutate(changes),
    injectFaults: (faults) => server.injectFaults(faultsSchema.parse(faults)),
    clearFaults: () => server.clearFaults(),
    close: () => server.close(),
  };
}
