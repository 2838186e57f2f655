/**
 * Deterministic, lazily generated Intercom-like contact records (about 1 KB of JSON each), so
 * sinks and baselines see the same records without materialising a data set in memory.
 */
import type { JsonObject } from "@sluice/core";

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen",
  "Thompson",
  "Perlman",
  "Lee",
];
const CITIES = [
  "Dublin",
  "London",
  "Paris",
  "Berlin",
  "Lisbon",
  "Madrid",
  "Rome",
  "Oslo",
  "Vienna",
  "Prague",
];
const PLANS = ["free", "starter", "pro", "enterprise"];
const BASE_TS = 1_600_000_000;

/** 24 hex chars, like Intercom ids. */
function hexId(i: number): string {
  return (0x5f00000000 + i).toString(16).padStart(24, "0");
}

export function contactRecord(i: number): JsonObject {
  const first = FIRST[i % FIRST.length] ?? "Ada";
  const last = LAST[Math.floor(i / 10) % LAST.length] ?? "Lovelace";
  const created = BASE_TS + i * 37;
  return {
    type: "contact",
    id: hexId(i),
    workspace_id: "bench01",
    external_id: `ext-${i}`,
    role: i % 5 === 0 ? "lead" : "user",
    email: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@example.com`,
    phone: `+353 1 555 ${String(i % 10000).padStart(4, "0")}`,
    name: `${first} ${last}`,
    avatar: null,
    owner_id: i % 3 === 0 ? null : 1000 + (i % 17),
    social_profiles: { type: "list", data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: i % 11 === 0,
    created_at: created,
    updated_at: created + 86_400,
    signed_up_at: created,
    last_seen_at: created + 3_600 * (i % 240),
    last_replied_at: null,
    last_contacted_at: created + 7_200,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: "chrome",
    browser_version: "120.0",
    browser_language: "en",
    os: "Linux",
    location: {
      type: "location",
      country: "Ireland",
      region: "Leinster",
      city: CITIES[i % CITIES.length] ?? "Dublin",
      country_code: "IRL",
      continent_code: "EU",
    },
    android_app_name: null,
    ios_app_name: null,
    custom_attributes: {
      plan: PLANS[i % PLANS.length] ?? "free",
      seats: (i % 50) + 1,
      mrr: Math.round((i % 1000) * 9.99 * 100) / 100,
      beta_tester: i % 7 === 0,
    },
    tags: { type: "list", data: [], url: `/contacts/${hexId(i)}/tags`, total_count: 0, has_more: false },
    notes: { type: "list", data: [], url: `/contacts/${hexId(i)}/notes`, total_count: 0, has_more: false },
    companies: {
      type: "list",
      data: [],
      url: `/contacts/${hexId(i)}/companies`,
      total_count: 0,
      has_more: false,
    },
  };
}

/** Records [from, to) in batches of `batchSize`, generated on demand. */
export function* contactBatches(count: number, batchSize = 1000, from = 0): Generator<JsonObject[]> {
  for (let start = from; start < from + count; start += batchSize) {
    const end = Math.min(from + count, start + batchSize);
    const batch: JsonObject[] = [];
    for (let i = start; i < end; i++) batch.push(contactRecord(i));
    yield batch;
  }
}

/** How many records make roughly `bytes` of JSON Lines (measured on a sample). */
export function recordsForBytes(bytes: number): number {
  let sample = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) sample += Buffer.byteLength(JSON.stringify(contactRecord(i))) + 1;
  return Math.ceil(bytes / (sample / n));
}
