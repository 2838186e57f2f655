/**
 * Scenario 2: S3 write of 100 MB and 1 GB through sink-s3 (runPipeline, JSON Lines, multipart)
 * vs one PutObject of the same bytes, against s3rver on local disk in a temp dir.
 */
import { rm } from "node:fs/promises";
import { startS3rver } from "@sluice/sink-s3/testing";
import { recordsForBytes } from "../data/contacts.js";
import { HEAP_CAP_MB, runWorker, WORKER_EXEC_ARGV } from "../harness/child.js";
import { mb, type Row, ratio, sec } from "../harness/report.js";
import type { S3PutResult } from "../workers/s3-put.js";
import type { S3SinkResult } from "../workers/s3-sink.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const MiB = 1024 * 1024;

export const s3Scenario: Scenario = {
  id: "s3",
  title: "S3 write: sink-s3 vs one PutObject",
  async run(ctx: BenchContext): Promise<Row[]> {
    const sizes = ctx.quick
      ? [
          { label: "20 MB", bytes: 20 * MiB },
          { label: "100 MB", bytes: 100 * MiB },
        ]
      : [
          { label: "100 MB", bytes: 100 * MiB },
          { label: "1 GB", bytes: 1024 * MiB },
        ];
    const bucket = "sluice-bench";
    const s3 = await startS3rver({ buckets: [bucket] });
    const rows: Row[] = [];
    const sinkRss: number[] = [];
    try {
      for (const size of sizes) {
        const name = `S3 write ${size.label}`;
        try {
          const count = recordsForBytes(size.bytes);
          ctx.log(`${name}: ${count} records, PutObject baseline`);
          const put = await runWorker<S3PutResult>("s3-put", {
            endpoint: s3.endpoint,
            bucket,
            key: "bench/put.jsonl",
            count,
          });
          await rm(`${s3.directory}/${bucket}/bench`, { recursive: true, force: true });
          ctx.log(`${name}: lib-storage Upload (diagnostic)`);
          const upload = await runWorker<S3PutResult>("s3-put", {
            endpoint: s3.endpoint,
            bucket,
            key: "bench/upload.jsonl",
            count,
            method: "upload",
          });
          await rm(`${s3.directory}/${bucket}/bench`, { recursive: true, force: true });
          ctx.log(`${name}: sink-s3`);
          const sink = await runWorker<S3SinkResult>("s3-sink", {
            endpoint: s3.endpoint,
            bucket,
            key: "bench/sink.jsonl",
            count,
          });
          await rm(`${s3.directory}/${bucket}/bench`, { recursive: true, force: true });
          const sinkMBps = sink.result.bytes / MiB / (sink.result.ms / 1000);
          const putMBps = put.result.bytes / MiB / (put.result.ms / 1000);
          const uploadMBps = upload.result.bytes / MiB / (upload.result.ms / 1000);
          const r = sinkMBps / putMBps;
          sinkRss.push(sink.peakRss);
          rows.push({
            scenario: `${name} (${count.toLocaleString("en-US")} records)`,
            sluice: `${sec(sink.result.ms)}, ${sinkMBps.toFixed(1)} MB/s`,
            baseline: `PutObject ${sec(put.result.ms)}, ${putMBps.toFixed(1)} MB/s (lib-storage Upload: ${uploadMBps.toFixed(1)} MB/s)`,
            ratio: `${ratio(r)} PutObject (${ratio(sinkMBps / uploadMBps)} Upload)`,
            memory: `sink ${mb(sink.peakRss)} / PutObject ${mb(put.peakRss)} / Upload ${mb(upload.peakRss)}`,
            goal: ">= 0.9x",
            verdict: r >= 0.9 ? "met" : `MISSED by ${((0.9 - r) * 100).toFixed(0)} pts`,
          });
          if (Math.abs(sink.result.bytes - put.result.bytes) > 0.01 * put.result.bytes) {
            ctx.notes.push(
              `${name}: sink wrote ${sink.result.bytes} bytes vs PutObject ${put.result.bytes} bytes`,
            );
          }
        } catch (error) {
          rows.push(failedRow(name, error));
        }
      }
      const largest = sizes[sizes.length - 1]!;
      try {
        const count = recordsForBytes(largest.bytes);
        ctx.log(`S3 write ${largest.label}: sink-s3 with --max-old-space-size=${HEAP_CAP_MB} (diagnostic)`);
        const capped = await runWorker<S3SinkResult>(
          "s3-sink",
          { endpoint: s3.endpoint, bucket, key: "bench/capped.jsonl", count },
          { execArgv: [...WORKER_EXEC_ARGV, `--max-old-space-size=${HEAP_CAP_MB}`] },
        );
        await rm(`${s3.directory}/${bucket}/bench`, { recursive: true, force: true });
        const mbps = capped.result.bytes / MiB / (capped.result.ms / 1000);
        rows.push({
          scenario: `S3 write ${largest.label}, sink heap capped at ${HEAP_CAP_MB} MB (diagnostic)`,
          sluice: `${sec(capped.result.ms)}, ${mbps.toFixed(1)} MB/s`,
          baseline: "",
          ratio: "",
          memory: mb(capped.peakRss),
          goal: "fits the cap",
          verdict: "completed: no leak, the uncapped heap grows lazily",
        });
      } catch (error) {
        rows.push(failedRow(`S3 write ${largest.label}, heap capped at ${HEAP_CAP_MB} MB`, error));
      }
      if (sinkRss.length === 2) {
        const [small, large] = sinkRss as [number, number];
        const growth = large / small;
        rows.push({
          scenario: `S3 sink memory ${sizes[0]?.label} -> ${sizes[1]?.label}`,
          sluice: `${mb(small)} -> ${mb(large)}`,
          baseline: "",
          ratio: `${ratio(growth)} RSS for ${sizes[1]!.bytes / sizes[0]!.bytes}x data`,
          memory: mb(large),
          goal: "flat (<= 1.25x)",
          verdict: growth <= 1.25 ? "met" : `MISSED: grows ${ratio(growth)}`,
        });
      }
    } finally {
      await s3.close();
    }
    ctx.notes.push(
      "S3: s3rver on local disk (temp dir, removed after); sink-s3 via runPipeline, JSON Lines, default part size/queue; " +
        "PutObject streams the same bytes from the generator with an exact ContentLength (one untimed pass to count bytes). " +
        "The lib-storage Upload column (same bytes, 8 MiB parts, queue 4, no Sluice) is a diagnostic: it separates the cost of " +
        "multipart on s3rver (which re-reads and concatenates the parts on CompleteMultipartUpload, on the same 2 cores) from the sink's own overhead.",
    );
    return rows;
  },
};
