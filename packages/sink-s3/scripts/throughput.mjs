// Write throughput of s3Sink vs one PutObject of the same bytes, and peak RSS, against an
// in-process s3rver. Not a test. Run after building (uses dist/):
//   (from the repository root) pnpm --filter @sluice/core --filter @sluice/formats --filter @sluice/sink-s3 build
//   node --openssl-legacy-provider packages/sink-s3/scripts/throughput.mjs [MB=100] [rounds=3]
// Each measurement runs in its own child process so peak RSS is that writer's alone.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const self = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

function records(count, offset) {
  const filler = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(28);
  return Array.from({ length: count }, (_, i) => ({
    id: offset + i,
    name: `rec ${offset + i} ✓`,
    blob: filler,
  }));
}

function clientFor(endpoint) {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

async function child(mode, endpoint, bucket, targetBytes) {
  const { silentLogger } = await import("@sluice/core");
  const { s3Sink } = await import("../dist/index.js");
  const { createEncoder } = await import("@sluice/formats");
  const client = clientFor(endpoint);
  const perBatch = 1000;
  // about 1 KB per JSON line
  const batches = Math.ceil(targetBytes / (perBatch * 1050));
  let bytes = 0;
  let seconds;
  const extra = {};
  if (mode === "sink") {
    const sink = s3Sink({ bucket, format: { format: "jsonl" }, client });
    const t0 = process.hrtime.bigint();
    const w = await sink.open(
      { name: `bench_${process.pid}`, primaryKey: ["id"] },
      {
        mode: "replace",
        runId: "bench",
        runStartedAt: new Date(),
        signal: new AbortController().signal,
        logger: silentLogger(),
      },
    );
    for (let b = 0; b < batches; b++) await w.write(records(perBatch, b * perBatch));
    const tc = process.hrtime.bigint();
    const report = await w.commit({ stateKey: "bench" });
    extra.commitSeconds = Number(process.hrtime.bigint() - tc) / 1e9;
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    bytes = report.bytes;
  } else {
    // baseline: the same records encoded to one buffer, then one PutObject of those bytes.
    // `seconds` covers both (the same work the sink does); `uploadSeconds` the PutObject alone.
    const t0 = process.hrtime.bigint();
    const enc = createEncoder({ format: "jsonl" });
    const chunks = [];
    for (let b = 0; b < batches; b++) chunks.push(...(await enc.encode(records(perBatch, b * perBatch))));
    chunks.push(...(await enc.finish()));
    const body = Buffer.concat(chunks);
    bytes = body.byteLength;
    const t1 = process.hrtime.bigint();
    if (mode === "put") {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `put-${process.pid}.jsonl`, Body: body }),
      );
    }
    const t2 = process.hrtime.bigint();
    seconds = Number(t2 - t0) / 1e9;
    extra.encodeSeconds = Number(t1 - t0) / 1e9;
    extra.uploadSeconds = Number(t2 - t1) / 1e9;
  }
  client.destroy();
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ mode, bytes, seconds, rssMiB, ...extra }));
}

async function main() {
  const mb = Number(process.argv[2] ?? 100);
  const rounds = Number(process.argv[3] ?? 3);
  const { startS3rver } = await import("../dist/testing/s3rver.js");
  const s3 = await startS3rver();
  const bucket = "bench-bucket";
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  const results = { sink: [], put: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of ["put", "sink"]) {
        // async: s3rver runs in this process and must keep serving
        const { stdout: out } = await promisify(execFile)(
          process.execPath,
          ["--openssl-legacy-provider", self, "--child", mode, s3.endpoint, bucket, String(mb * MiB)],
          { encoding: "utf8", maxBuffer: 1 << 20 },
        );
        const res = JSON.parse(out.slice(out.indexOf("{")));
        results[mode].push(res);
        const upload =
          res.commitSeconds !== undefined
            ? ` (of which commit ${res.commitSeconds.toFixed(2)} s)`
            : res.uploadSeconds === undefined
              ? ""
              : ` (encode ${res.encodeSeconds.toFixed(2)} s + PutObject ${res.uploadSeconds.toFixed(2)} s)`;
        console.log(
          `${mode.padEnd(4)} round ${r + 1}: ${(res.bytes / MiB).toFixed(1)} MiB in ${res.seconds.toFixed(2)} s = ${(res.bytes / MiB / res.seconds).toFixed(1)} MiB/s, peak RSS ${res.rssMiB.toFixed(0)} MiB${upload}`,
        );
      }
    }
  } finally {
    await s3.close();
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = (m) => median(results[m].map((x) => x.bytes / MiB / x.seconds));
  const rss = (m) => median(results[m].map((x) => x.rssMiB));
  const up = median(results.put.map((x) => x.bytes / MiB / x.uploadSeconds));
  console.log(`one PutObject alone (bytes already in memory): ${up.toFixed(1)} MiB/s`);
  console.log(
    `median: sink ${rate("sink").toFixed(1)} MiB/s (RSS ${rss("sink").toFixed(0)} MiB), encode-all + one PutObject ${rate("put").toFixed(1)} MiB/s (RSS ${rss("put").toFixed(0)} MiB), ratio ${(rate("sink") / rate("put")).toFixed(2)}x`,
  );
}

if (process.argv[2] === "--child") {
  const [, , , mode, endpoint, bucket, bytes] = process.argv;
  await child(mode, endpoint, bucket, Number(bytes));
} else {
  await main();
}
