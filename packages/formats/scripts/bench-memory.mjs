// Streams ~N MB (default 1024) of Intercom-like records through a JSONL+gzip encoder (output
// dropped, as if uploaded) and samples heap/RSS after GC, to show memory stays flat (not a test).
// Usage: node --expose-gc packages/formats/scripts/bench-memory.mjs [MB] [format] [gzip]
import { createEncoder } from "../dist/index.js";

const targetMb = Number(process.argv[2] ?? 1024);
const format = process.argv[3] ?? "jsonl";
const gzip = (process.argv[4] ?? "true") === "true";
const make = (b, i) => ({
  type: "contact",
  id: `${b}-${i}`,
  email: `p${b}.${i}@example.com`,
  name: `Zoë ${i} 😀 مرحبا`,
  created_at: 1_700_000_000 + i,
  custom_attributes: { plan: i % 2 ? "pro" : "free", seats: i % 50, b },
  location: { country: "France", city: "Paris" },
  tags: { type: "list", data: [{ type: "tag", id: String(i % 9) }] },
  body: `lorem ipsum ${Math.random().toString(36)} `.repeat(8),
});
const encoder = createEncoder({ format, gzip });
const mb = (n) => (n / 1048576).toFixed(1);
let inBytes = 0;
const samples = [];
const t0 = Date.now();
for (let b = 0; inBytes < targetMb * 1048576; b++) {
  const records = Array.from({ length: 1000 }, (_, i) => make(b, i));
  for (const chunk of await encoder.encode(records)) inBytes += 0 * chunk.byteLength;
  inBytes += Buffer.byteLength(JSON.stringify(records));
  if (b % 100 === 0) {
    global.gc?.();
    const m = process.memoryUsage();
    samples.push({
      inputMB: mb(inBytes),
      heapUsedMB: mb(m.heapUsed),
      rssMB: mb(m.rss),
      externalMB: mb(m.external),
    });
  }
}
await encoder.finish();
console.table(samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 10)) === 0));
console.log(
  `${format}${gzip ? "+gzip" : ""}: ${mb(inBytes)} MB in, ${mb(encoder.stats.bytesOut)} MB out, ${(inBytes / 1048576 / ((Date.now() - t0) / 1000)).toFixed(1)} MB/s (incl. record generation)`,
);
