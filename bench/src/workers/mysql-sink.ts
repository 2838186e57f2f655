/** Worker: `count` generated contacts through runPipeline + auroraSink (replace mode) into `users`. */
import { runPipeline } from "@sluice/core";
import { auroraSink } from "@sluice/sink-aurora";
import { withIntercomLayout } from "@sluice/source-intercom";
import mysql from "mysql2/promise";
import { generatedSource } from "../data/source.js";
import { stopwatch, worker } from "../harness/worker.js";
import { countRows } from "./mysql-common.js";

export interface MysqlSinkParams {
  url: string;
  count: number;
}
export interface MysqlSinkResult {
  ms: number;
  rows: number;
  method: string;
}

worker<MysqlSinkParams, MysqlSinkResult>(async (p) => {
  const sink = auroraSink({ url: p.url });
  // Contact-shaped records land in Intercom's `users` table: the layout travels with the descriptor.
  const generated = generatedSource({ stream: "contacts", count: p.count });
  const source = {
    ...generated,
    discover: async () => (await generated.discover!()).map(withIntercomLayout),
  };
  try {
    await sink.migrate(await source.discover());
    const elapsed = stopwatch();
    const report = await runPipeline({
      source,
      sink,
      streams: ["contacts"],
      writeMode: "replace",
    });
    const ms = elapsed();
    const details = report.streams[0]?.commit?.details;
    const method = typeof details?.loadMethod === "string" ? details.loadMethod : "method not reported";
    const conn = await mysql.createConnection({ uri: p.url });
    const rows = await countRows(conn, "users");
    await conn.end();
    return { ms, rows, method };
  } finally {
    await sink.close();
  }
});
