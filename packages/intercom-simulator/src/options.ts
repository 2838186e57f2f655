import { parseOptions } from "@sluice/core";
import { z } from "zod";
import { assertTimeZone } from "./timezone.js";

/** Non-secret development token accepted by default. */
export const DEFAULT_TOKEN = "sim-token";

/** Versions accepted in `Intercom-Version` (the 2.16 spec's `intercom_version` enum, §1). */
export const KNOWN_VERSIONS = [
  "1.0",
  "1.1",
  "1.2",
  "1.3",
  "1.4",
  "2.0",
  "2.1",
  "2.2",
  "2.3",
  "2.4",
  "2.5",
  "2.6",
  "2.7",
  "2.8",
  "2.9",
  "2.10",
  "2.11",
  "2.12",
  "2.13",
  "2.14",
  "2.15",
  "2.16",
] as const;

const count = (def: number) => z.number().int().min(0).default(def);

const validTimeZone = (tz: string): boolean => {
  try {
    assertTimeZone(tz);
    return true;
  } catch {
    return false;
  }
};

const faultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("status"),
    status: z.number().int().min(400).max(599),
    count: z.number().int().min(1).default(1),
    route: z.string().optional(),
  }),
  z.object({
    kind: z.literal("reset"),
    count: z.number().int().min(1).default(1),
    route: z.string().optional(),
  }),
  z.object({
    kind: z.literal("truncated"),
    count: z.number().int().min(1).default(1),
    route: z.string().optional(),
  }),
  z.object({
    kind: z.literal("rate_limit"),
    count: z.number().int().min(1).default(1),
    route: z.string().optional(),
  }),
  z.object({ kind: z.literal("scroll_restart"), afterPages: z.number().int().min(0).default(0) }),
]);

export const faultsSchema = z.array(faultSchema);
export type FaultSpec = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

export const simulatorOptionsSchema = z.object({
  seed: z.number().int().default(42),
  contacts: count(2000),
  companies: count(300),
  conversations: count(500),
  admins: z.number().int().min(1).default(12),
  teams: count(4),
  tags: count(25),
  segments: count(8),
  largeConversations: count(2),
  maxPartsPerConversation: z.number().int().min(1).default(30),
  /** Workspace "now", unix seconds; generated timestamps lie before it. */
  now: z.number().positive().optional(),
  timezone: z.string().default("UTC").refine(validTimeZone, "unknown IANA time zone"),
  token: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default(DEFAULT_TOKEN),
  rateLimit: z
    .union([
      z.literal(false),
      z.object({ limit: z.number().int().min(1), windowSeconds: z.number().int().min(1).default(10) }),
    ])
    .default({ limit: 1666, windowSeconds: 10 }),
  latencyMs: z.number().min(0).default(0),
  latencyJitterMs: z.number().min(0).default(0),
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(0),
  companiesListCap: z.number().int().min(1).default(10_000),
  scrollPageSize: z.number().int().min(1).default(50),
  scrollIdleExpirySeconds: z.number().positive().default(60),
  /** Contacts created less than this long before "now" are not yet searchable (§4.1); default 0. */
  searchIndexDelaySeconds: z.number().min(0).default(0),
  /** GET /conversations/{id} returns at most this many (most recent) parts (§4.4). */
  partsCap: z.number().int().min(1).default(500),
  /**
   * What conversation_parts.total_count holds when capped: "returned" (default) = the number of
   * parts in the array; "all" = every part of the conversation. See README.
   */
  partsTotalCount: z.enum(["returned", "all"]).default("returned"),
  /** Wall clock (epoch ms) of rate-limit windows and scroll expiry; tests inject a fake one. */
  clock: z
    .custom<() => number>((v) => typeof v === "function", "must be a function returning epoch ms")
    .default(() => Date.now),
});

export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
export type ResolvedOptions = z.output<typeof simulatorOptionsSchema>;

export function resolveOptions(input: SimulatorOptions | undefined): ResolvedOptions {
  return parseOptions(simulatorOptionsSchema, input ?? {}, "intercomSimulator options");
}
