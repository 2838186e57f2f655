/**
 * Scenario 3: MySQL load through sink-aurora vs `LOAD DATA LOCAL INFILE` (mysql2,
 * infileStreamFactory) and vs TypeORM `repository.save` in chunks of 1000, same rows, same
 * table DDL (the baselines copy sink-aurora's `users` table with CREATE TABLE ... LIKE).
 */

import { HEAP_CAP_MB, runWorker, WORKER_EXEC_ARGV } from "../harness/child.js";
import { databaseUrl, dropDatabase, resetDatabase } from "../harness/mysql.js";
import { int, mb, type Row, ratio, sec } from "../harness/report.js";
import type { LoadDataResult } from "../workers/mysql-load-data.js";
import type { MysqlSinkResult } from "../workers/mysql-sink.js";
import type { TypeormResult } from "../workers/mysql-typeorm.js";
import { type BenchContext, failedRow, type Scenario } from "./context.js";

const TYPEORM_CHUNK = 1000;

export const mysqlScenario: Scenario = {
  id: "mysql",
  title: "MySQL load: sink-aurora vs LOAD DATA LOCAL INFILE vs TypeORM save",
  async run(ctx: BenchContext): Promise<Row[]> {
    const sizes = ctx.quick ? [10_000, 50_000] : [100_000, 1_000_000];
    /** TypeORM is measured up to this size and extrapolated above it. */
    const typeormMax = ctx.quick ? 10_000 : 100_000;
    const url = databaseUrl();
    const rows: Row[] = [];
    let typeormRate: number | undefined;
    for (const count of sizes) {
      const name = `MySQL load ${int(count)} rows`;
      try {
        const { localInfile } = await resetDatabase();
        if (!localInfile) ctx.notes.push("MySQL: server has local_infile=0 and root may not change it");
        ctx.log(`${name}: sink-aurora`);
        const sink = await runWorker<MysqlSinkResult>("mysql-sink", { url, count });
        ctx.log(`${name}: LOAD DATA LOCAL INFILE`);
        const ld = await runWorker<LoadDataResult>("mysql-load-data", { url, count, likeTable: "users" });
        let typeormText: string;
        let typeormRatio = "";
        if (count <= typeormMax) {
          ctx.log(`${name}: TypeORM save`);
          const tx = await runWorker<TypeormResult>("mysql-typeorm", {
            url,
            count,
            chunk: TYPEORM_CHUNK,
            likeTable: "users",
          });
          typeormRate = tx.result.rows / (tx.result.ms / 1000);
          typeormText = `TypeORM ${int(typeormRate)} rows/s (${sec(tx.result.ms)}, ${mb(tx.peakRss)})`;
        } else {
          typeormText =
            typeormRate === undefined
              ? "TypeORM not measured"
              : `TypeORM ~${int(typeormRate)} rows/s (extrapolated from ${int(typeormMax)}: ~${sec((count / typeormRate) * 1000)})`;
        }
        const sinkRate = sink.result.rows / (sink.result.ms / 1000);
        const ldRate = ld.result.rows / (ld.result.ms / 1000);
        if (typeormRate !== undefined) typeormRatio = `, ${ratio(sinkRate / typeormRate)} TypeORM`;
        const r = sinkRate / ldRate;
        rows.push({
          scenario: name,
          sluice: `${int(sinkRate)} rows/s (${sec(sink.result.ms)}, ${sink.result.method})`,
          baseline: `LOAD DATA ${int(ldRate)} rows/s (${sec(ld.result.ms)}); ${typeormText}`,
          ratio: `${ratio(r)} LOAD DATA${typeormRatio}`,
          memory: `sink ${mb(sink.peakRss)} / LOAD DATA ${mb(ld.peakRss)}`,
          goal: ">= 0.6x LOAD DATA",
          verdict: r >= 0.6 ? "met" : `MISSED by ${((0.6 - r) * 100).toFixed(0)} pts`,
        });
        if (sink.result.rows !== count || ld.result.rows !== count) {
          ctx.notes.push(
            `${name}: row counts sink ${sink.result.rows}, LOAD DATA ${ld.result.rows}, expected ${count}`,
          );
        }
        if (count === sizes[sizes.length - 1]) {
          ctx.log(`${name}: sink-aurora with --max-old-space-size=${HEAP_CAP_MB} (diagnostic)`);
          try {
            await resetDatabase();
            const capped = await runWorker<MysqlSinkResult>(
              "mysql-sink",
              { url, count },
              { execArgv: [...WORKER_EXEC_ARGV, `--max-old-space-size=${HEAP_CAP_MB}`] },
            );
            const rate = capped.result.rows / (capped.result.ms / 1000);
            rows.push({
              scenario: `${name}, sink heap capped at ${HEAP_CAP_MB} MB (diagnostic)`,
              sluice: `${int(rate)} rows/s (${sec(capped.result.ms)})`,
              baseline: "",
              ratio: `${ratio(rate / ldRate)} LOAD DATA`,
              memory: mb(capped.peakRss),
              goal: "fits the cap",
              verdict: "completed: no leak, the uncapped heap grows lazily",
            });
          } catch (error) {
            rows.push(failedRow(`${name}, heap capped at ${HEAP_CAP_MB} MB`, error));
          }
        }
        if (ld.result.ddl === "own")
          ctx.notes.push(`${name}: baselines used the bench's own DDL (no users table to copy)`);
      } catch (error) {
        rows.push(failedRow(name, error));
      }
    }
    await dropDatabase().catch(() => undefined);
    ctx.notes.push(
      `MySQL: database sluice_bench recreated per size; sink-aurora via runPipeline (replace mode, defaults); ` +
        `baselines convert the records to the same columns themselves (their conversion time counts, as the sink's does); ` +
        `TypeORM repository.save with ${TYPEORM_CHUNK} entities per call, measured up to ${int(typeormMax)} rows, extrapolated (linear rows/s) above.`,
    );
    return rows;
  },
};
