// Encode throughput per format on ~50 MB of Intercom-like records (not a test).
// Usage: (cd packages/core && npx tsc -p tsconfig.build.json) && (cd packages/formats && npx tsc -p tsconfig.build.json)
//        node packages/formats/scripts/bench-encode.mjs [MB]
import { createEncoder, decodeRecords } from "../dist/index.js";

const targetMb = Number(process.argv[2] ?? 50);

function contact(i) {
  return {
    type: "contact",
    id: `6${String(i).padStart(23, "0")}`,
    workspace_id: "ecahpwf5",
    external_id: i % 4 ? `ext-${i}` : null,
    role: i % 3 ? "user" : "lead",
    email: `person.${i}@example.com`,
    phone: i % 2 ? "+33 6 12 34 56 78" : null,
    name: `Zoë Ünïcødé ${i} 😀`,
    avatar: null,
    owner_id: i % 7,
    social_profiles: { type: "list", data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: i % 5 === 0,
    created_at: 1_700_000_000 + i,
    updated_at: 1_710_000_000 + i,
    signed_up_at: 1_700_000_100 + i,
    last_seen_at: i % 3 ? 1_720_000_000 + i : null,
    browser: "chrome",
    browser_version: "120.0.0",
    browser_language: "fr",
    os: "Mac OS X",
    location: {
      type: "location",
      country: "France",
      region: "Île-de-France",
      city: "Paris",
      country_code: "FRA",
    },
    custom_attributes: {
      plan: i % 2 ? "pro" : "free",
      seats: i % 50,
      mrr: (i % 1000) / 3,
      note: "كتابة عربية",
    },
    tags: {
      type: "list",
      data: [{ type: "tag", id: String(i % 9), url: `/tags/${i % 9}` }],
      url: `/contacts/${i}/tags`,
    },
    notes: { type: "list", data: [], url: `/contacts/${i}/notes`, total_count: 0, has_more: false },
    companies: {
      type: "list",
      data: [{ type: "company", id: `c${i % 100}`, url: `/companies/c${i % 100}` }],
    },
  };
}

const batch = Array.from({ length: 1000 }, (_, i) => contact(i));
const batchBytes = Buffer.byteLength(batch.map((r) => JSON.stringify(r)).join("\n"));
const batches = Math.ceil((targetMb * 1024 * 1024) / batchBytes);
console.log(
  `records/batch=1000 batch=${(batchBytes / 1024).toFixed(0)} KB batches=${batches} input≈${((batches * batchBytes) / 1048576).toFixed(1)} MB (JSONL size)`,
);

async function run(options) {
  global.gc?.();
  const encoder = createEncoder(options);
  const heap0 = process.memoryUsage().heapUsed;
  let peak = 0;
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    // records vary per batch (ids), like a real stream
    const records = b === 0 ? batch : batch.map((r, i) => ({ ...r, id: `${b}-${i}` }));
    await encoder.encode(records); // chunks dropped (as if uploaded)
    if (b % 10 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
  }
  await encoder.finish();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const mbIn = (batches * batchBytes) / 1048576;
  return { secs, mbIn, mbOut: encoder.stats.bytesOut / 1048576, peak: peak / 1048576 };
}

const rows = [];
for (const [format, gzip, parquet] of [
  ["jsonl", false],
  ["jsonl", true],
  ["json", false],
  ["json", true],
  ["csv", false],
  ["csv", true],
  ["parquet", false, { compression: "snappy" }],
  ["parquet", false, { compression: "zstd" }],
  ["parquet", false, { compression: "gzip" }],
]) {
  const r = await run({ format, gzip, ...(parquet ? { parquet } : {}) });
  rows.push({
    format: `${format}${gzip ? "+gzip" : ""}${parquet ? `(${parquet.compression})` : ""}`,
    "MB/s (input JSON)": (r.mbIn / r.secs).toFixed(1),
    seconds: r.secs.toFixed(2),
    "MB out": r.mbOut.toFixed(1),
    "heap growth peak MB": r.peak.toFixed(1),
  });
}
console.table(rows);

// decode throughput for JSONL / JSON (streamed from an in-memory encoding of ~targetMb)
for (const format of ["jsonl", "json", "csv"]) {
  const enc = createEncoder({ format });
  const chunks = [];
  for (let b = 0; b < batches; b++) chunks.push(...(await enc.encode(batch)));
  chunks.push(...(await enc.finish()));
  const size = chunks.reduce((s, c) => s + c.byteLength, 0);
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const records of decodeRecords(
    (async function* () {
      for (const c of chunks) for (let i = 0; i < c.length; i += 65536) yield c.subarray(i, i + 65536);
    })(),
    { format },
  ))
    n += records.length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`decode ${format}: ${n} records, ${(size / 1048576 / secs).toFixed(1)} MB/s`);
}
