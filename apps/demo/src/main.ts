/**
 * `pnpm demo`: the whole Intercom → S3 → SQL job on embedded defaults. A local Intercom
 * simulator, an embedded S3 (s3rver in .demo/s3) and the Aurora sink's embedded SQLite
 * (.demo/warehouse.sqlite) stand in for the real services: no account, no server, no network.
 * The two Fargate tasks run exactly as in production (`runExtract`, `runLoad`); only the S3
 * client settings for s3rver are passed in.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createLogger, PipelineError, type RunReport, SluiceError, shutdownSignal } from "@sluice/core";
import { runExtract } from "@sluice/fargate-extract";
import { runLoad } from "@sluice/fargate-load";
import { startSimulator } from "@sluice/intercom-simulator";
import { startS3rver } from "@sluice/sink-s3/testing";
import initSqlJs from "sql.js";
import { createProgressPrinter, formatBytes, formatCount, formatDuration, table } from "./format.js";

const DEMO_DIR = resolve(".demo");
const S3_DIR = resolve(DEMO_DIR, "s3");
const WAREHOUSE = resolve(DEMO_DIR, "warehouse.sqlite");
const BUCKET = "sluice-demo";
const PREFIX = "data/";
const STREAMS = ["contacts", "conversations"];

const out = (line = "") => process.stdout.write(`${line}\n`);
const rel = (p: string) => relative(process.cwd(), p) || ".";

async function main(): Promise<number> {
  const started = Date.now();
  // the demo runs on whatever Node the developer has; the AWS SDK's notice about Node 22 is noise here
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const shutdown = shutdownSignal();
  // warnings and errors only; the demo prints its own human-readable progress
  const logger = createLogger({ name: "demo", level: "warn" });

  await rm(DEMO_DIR, { recursive: true, force: true });
  await mkdir(S3_DIR, { recursive: true });

  out("Sluice demo: Intercom (local simulator) → S3 (embedded s3rver) → SQL (embedded SQLite)");
  out();
  const simulator = await startSimulator({
    seed: 42,
    contacts: 2000,
    conversations: 300,
    latencyMs: 5,
    // Intercom's default app limit is 10,000 calls a minute; the demo uses a tighter window so
    // the source's rate governor has something to do
    rateLimit: { limit: 150, windowSeconds: 2 },
    port: 0,
  });
  const s3 = await startS3rver({ directory: S3_DIR, buckets: [BUCKET] });
  out(`  Intercom simulator  ${simulator.url}  (2,000 contacts, 300 conversations, 5 ms latency)`);
  out(`  S3 (s3rver)         ${s3.endpoint}  bucket ${BUCKET}, files in ${rel(S3_DIR)}/`);
  out(`  warehouse           ${rel(WAREHOUSE)}  (SQLite through the SQL sink's embedded option)`);
  out();

  try {
    out("1/2 fargate-extract: Intercom → s3://" + BUCKET + "/" + PREFIX);
    const extract = await runExtract(
      {
        intercom: { accessToken: simulator.token, apiUrl: simulator.url },
        streams: STREAMS,
        syncMode: "full",
        s3: { bucket: BUCKET, prefix: PREFIX, forcePathStyle: true },
        output: { format: "json", gzip: false },
        logLevel: "warn",
      },
      {
        signal: shutdown.signal,
        logger,
        s3ClientConfig: s3.clientConfig,
        onProgress: createProgressPrinter("extract", out),
      },
    );
    printStreams(extract);

    out();
    out("2/2 fargate-load: s3://" + BUCKET + "/" + PREFIX + " → " + rel(WAREHOUSE));
    const load = await runLoad(
      {
        s3: { bucket: BUCKET, prefix: PREFIX, forcePathStyle: true },
        streams: STREAMS,
        mode: "replace",
        input: { format: "json", gzip: false },
        database: { embedded: { sqlite: WAREHOUSE } },
        logLevel: "warn",
      },
      {
        signal: shutdown.signal,
        logger,
        s3ClientConfig: s3.clientConfig,
        onProgress: createProgressPrinter("load", out),
      },
    );
    printStreams(load);

    // ---- summary ----
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const objects = (listed.Contents ?? []).map((o) => [`s3://${BUCKET}/${o.Key}`, formatBytes(o.Size ?? 0)]);
    const tables = await tableCounts(WAREHOUSE);
    const sim = simulator.stats();

    out();
    out("Summary");
    out(
      table(
        ["stream", "records", "API calls", "429s", "rate-limit waits (summed)"],
        extract.streams.map((s) => [
          s.stream,
          formatCount(s.records),
          formatCount(s.calls),
          formatCount(s.throttled429),
          `${s.rateLimitWaits} (${formatDuration(s.rateLimitWaitMs)})`,
        ]),
      ),
    );
    out(`  simulator: ${describeStats(sim)}`);
    out();
    out(table(["S3 object", "size"], objects));
    out();
    const bookkeeping = (name: string) => name.startsWith("sluice_");
    const filled = tables.filter(([name, rows]) => rows > 0 && !bookkeeping(name));
    const empty = tables.filter(([name, rows]) => rows === 0 && !bookkeeping(name)).map(([n]) => n);
    out(
      table(
        ["table", "rows"],
        filled.map(([name, rows]) => [name, formatCount(rows)]),
      ),
    );
    if (empty.length > 0) out(`  (also created, empty: ${empty.join(", ")})`);
    out();
    out(`  S3 files:  ${rel(S3_DIR)}/${BUCKET}/   (s3rver's on-disk layout)`);
    out(`  warehouse: ${rel(WAREHOUSE)}   e.g. sqlite3 ${rel(WAREHOUSE)} "select count(*) from users"`);
    out(`Done in ${formatDuration(Date.now() - started)}.`);
    return 0;
  } catch (error) {
    const e = error instanceof SluiceError ? error : undefined;
    process.stderr.write(
      `demo failed: ${e ? `${e.code}: ${e.message}` : String((error as Error)?.stack ?? error)}\n`,
    );
    if (error instanceof PipelineError) {
      for (const s of error.report.streams) {
        process.stderr.write(
          `  ${s.stream}: ${s.status}${s.error ? ` (${s.error.code}: ${s.error.message})` : ""}\n`,
        );
      }
    }
    return shutdown.signal.aborted ? 143 : 1;
  } finally {
    shutdown.dispose();
    await Promise.allSettled([simulator.close(), s3.close()]);
  }
}

function printStreams(report: RunReport): void {
  for (const s of report.streams) {
    const where = s.commit?.location ? `  → ${s.commit.location}` : "";
    out(
      `  ✓ ${s.stream.padEnd(14)} ${formatCount(s.records).padStart(7)} records in ${formatDuration(s.durationMs)}${where}`,
    );
  }
}

function describeStats(stats: unknown): string {
  if (!stats || typeof stats !== "object") return "n/a";
  return Object.entries(stats as Record<string, unknown>)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k} ${formatCount(v as number)}`)
    .join(", ");
}

async function tableCounts(path: string): Promise<Array<[string, number]>> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(await readFile(path));
  try {
    const names =
      db
        .exec(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )[0]
        ?.values.map((r) => String(r[0])) ?? [];
    return names.map((name) => {
      const n = db.exec(`SELECT COUNT(*) FROM "${name.replace(/"/g, '""')}"`)[0]?.values[0]?.[0];
      return [name, Number(n ?? 0)] as [string, number];
    });
  } finally {
    db.close();
  }
}

process.exit(await main());
