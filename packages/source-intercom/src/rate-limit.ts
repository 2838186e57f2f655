import type { RateGovernorOptions } from "@sluice/core";

/**
 * Intercom's rate limit (§6 of docs/intercom-api-notes.md): a per-app budget enforced in fixed
 * 10-second windows, announced on every authenticated response in `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds). The core governor is
 * configured with these; core itself knows no API.
 */
export const INTERCOM_RATE_LIMIT = {
  headers: { limit: "X-RateLimit-Limit", remaining: "X-RateLimit-Remaining", reset: "X-RateLimit-Reset" },
  windowMs: 10_000,
} as const satisfies RateGovernorOptions;
