// Measures simulator startup time, RSS and per-request service time (no latency, no rate limit).
// Usage: node scripts/measure.mjs <contacts> <conversations>   (after `pnpm build`)
import { startSimulator } from "../dist/index.js";

const contacts = Number(process.argv[2] ?? 20000);
const conversations = Number(process.argv[3] ?? 3000);
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const sim = await startSimulator({
  contacts,
  conversations,
  companies: 2000,
  rateLimit: false,
  now: 1763900000,
});
const startMs = performance.now() - t0;
global.gc?.();
const rss1 = process.memoryUsage().rss;
const headers = {
  Authorization: `Bearer ${sim.token}`,
  Accept: "application/json",
  "Intercom-Version": "2.16",
  "Content-Type": "application/json",
};

async function timed(label, n, fn) {
  const t = performance.now();
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += await fn(i);
  const ms = (performance.now() - t) / n;
  console.log(`${label}: ${ms.toFixed(2)} ms/request, ${Math.round(bytes / n / 1024)} KiB/response`);
}

let after;
await timed("GET /contacts per_page=150 (walk)", 40, async () => {
  const r = await fetch(`${sim.url}/contacts?per_page=150${after ? `&starting_after=${after}` : ""}`, {
    headers,
  });
  const t = await r.text();
  after = JSON.parse(t).pages.next?.starting_after;
  return t.length;
});
const query = {
  operator: "OR",
  value: [
    { field: "updated_at", operator: "=", value: 1763000000 },
    { field: "updated_at", operator: ">", value: 1763000000 },
  ],
};
let sAfter;
await timed("POST /contacts/search per_page=150 (walk, incl. first-page build)", 20, async () => {
  const r = await fetch(`${sim.url}/contacts/search`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      query: { field: "updated_at", operator: ">", value: 1 },
      sort: { field: "updated_at", order: "ascending" },
      pagination: { per_page: 150, ...(sAfter ? { starting_after: sAfter } : {}) },
    }),
  });
  const t = await r.text();
  sAfter = JSON.parse(t).pages.next?.starting_after;
  return t.length;
});
await timed("POST /contacts/search day-recipe first page (cold cache each time)", 5, async (i) => {
  sim.mutate({ advanceSeconds: 0 }); // bump version → cold cache
  const r = await fetch(`${sim.url}/contacts/search`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, pagination: { per_page: 150 } }),
  });
  return (await r.text()).length + i * 0;
});
await timed("GET /conversations/{id}", 300, async (i) => {
  const r = await fetch(`${sim.url}/conversations/${1000 + ((i * 7) % conversations)}`, { headers });
  return (await r.text()).length;
});
console.log(
  `contacts=${contacts} conversations=${conversations}: startup ${Math.round(startMs)} ms, rss ${Math.round(rss1 / 1048576)} MB (baseline ${Math.round(rss0 / 1048576)} MB)`,
);
await sim.close();
