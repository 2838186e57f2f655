import { type FetchLike, parseOptions, type StateStore } from "@sluice/core";
import { z } from "zod";

export const REGION_HOSTS = {
  us: "https://api.intercom.io",
  eu: "https://api.eu.intercom.io",
  au: "https://api.au.intercom.io",
} as const;

export type IntercomRegion = keyof typeof REGION_HOSTS;

const optionsSchema = z
  .object({
    /** Intercom access token (private app or OAuth). Registered as a secret: never logged. */
    accessToken: z.string().min(1, "the Intercom access token is required"),
    /** Data region of the workspace; selects the API host. Default "us". */
    region: z.enum(["us", "eu", "au"]).optional(),
    /** Explicit API base URL (e.g. the local simulator); overrides `region`. */
    baseUrl: z.url().optional(),
    /** Intercom-Version header, pinned per connection. Default "2.16". */
    intercomVersion: z
      .string()
      .regex(/^\d+\.\d+$/, "must look like 2.16")
      .default("2.16"),
    /** Page size for list/search endpoints (150 is Intercom's max). */
    perPage: z.number().int().min(1).max(150).default(150),
    /** Concurrent GET /conversations/{id} detail fetches per stream read. */
    conversationConcurrency: z.number().int().min(1).max(64).default(10),
    /** Incremental safety lag in seconds (search-index delay, clock skew). */
    lagSeconds: z.number().int().min(0).default(600),
    /** Fetch every conversation with GET /conversations/{id} to include its parts. */
    includeParts: z.boolean().default(true),
    /**
     * Companies: "scroll" (default) = every company via GET /companies/scroll; "list" = POST
     * /companies/list (only companies with at least one user, at most 10,000); "auto" = list when
     * its total_count is ≤ 10,000, else scroll (still excludes companies without users).
     */
    companiesMode: z.enum(["scroll", "list", "auto"]).default("scroll"),
    /** Pages of the company scroll buffered in memory when the consumer is slower than the scroll. */
    scrollBufferPages: z.number().int().min(1).default(200),
    /** Longest pause between two scroll calls before the scroll is abandoned and restarted (< 60 s expiry). */
    scrollMaxIdleMs: z.number().int().min(100).max(55_000).default(45_000),
    /** How many times a company scroll may restart (500 "restart the scroll", resets, stalls). */
    scrollMaxRestarts: z.number().int().min(0).default(5),
    /** Wait between tries when Intercom says "scroll already exists". */
    scrollExistsRetryMs: z.number().int().min(10).default(10_000),
    /** Give up on "scroll already exists" after this long. */
    scrollExistsMaxWaitMs: z.number().int().min(0).default(120_000),
    /** Fetch the full tag/company/note lists of a contact when the embedded list says has_more (1 call each). */
    expandContactLists: z.boolean().default(false),
    /** Emit an intermediate checkpoint every N pages of an ascending incremental search. */
    checkpointEveryPages: z.number().int().min(1).default(20),
    /** Per-attempt HTTP timeout. Default 30 s. */
    timeoutMs: z.number().int().min(100).optional(),
    /** Transient-error retries per request. Default 5. */
    retries: z.number().int().min(0).max(20).optional(),
    /** Backoff of transient retries (tests make it short). */
    retryMinTimeoutMs: z.number().int().min(0).optional(),
    /**
     * Retries of the whole run (429s and transient failures together) and time spent waiting out
     * 429s before the run gives up with an error stating the budget. Default 500 / 10 minutes.
     */
    retryBudget: z
      .object({
        maxRetries: z.number().int().min(0).optional(),
        maxRateLimitWaitMs: z.number().int().min(0).optional(),
      })
      .optional(),
    /** Requests per rate-limit window kept in reserve for other apps of the workspace. Default 1. */
    rateLimitSafetyMargin: z.number().int().min(0).optional(),
    /**
     * Where the ids of the known contacts are kept between runs (any core StateStore, e.g. an S3
     * state object next to the data). Needed to tell WHICH contacts were deleted; without it
     * contact deletions are not detected (a warning says so).
     */
    idStore: z
      .custom<StateStore>(
        (v) =>
          !!v && typeof (v as StateStore).load === "function" && typeof (v as StateStore).save === "function",
        "must be a StateStore (load/save)",
      )
      .optional(),
    /**
     * Contact deletion check of incremental runs: "auto" (default) sweeps every contact id only
     * when known + new − total_count shows deletions; "always" sweeps on every incremental run.
     */
    contactSweep: z.enum(["auto", "always"]).default("auto"),
    /** Injectable fetch (tests). */
    fetch: z.custom<FetchLike>((v) => typeof v === "function", "must be a fetch function").optional(),
  })
  .refine((o) => !(o.region && o.baseUrl), {
    message: "give either region or baseUrl, not both",
    path: ["baseUrl"],
  });

/**
 * The options of `intercomSource`, as given (before defaults).
 *
 * @interface
 */
export type IntercomSourceOptions = z.input<typeof optionsSchema>;
export type ResolvedOptions = z.output<typeof optionsSchema> & { apiBase: string };

export function resolveOptions(input: IntercomSourceOptions): ResolvedOptions {
  const o = parseOptions(optionsSchema, input, "intercomSource options");
  return { ...o, apiBase: o.baseUrl ?? REGION_HOSTS[o.region ?? "us"] };
}
