/** Worker (baseline): the same rows via mysql2 `LOAD DATA LOCAL INFILE` fed by a stream. */
import { Readable } from "node:stream";
import mysql from "mysql2/promise";
import { CONTACT_COLUMNS, contactCells, tsvLine } from "../data/contact-rows.js";
import { contactBatches } from "../data/contacts.js";
import { stopwatch, worker } from "../harness/worker.js";
import { countRows, createContactTable } from "./mysql-common.js";

export interface LoadDataParams {
  url: string;
  count: number;
  likeTable: string;
}
export interface LoadDataResult {
  ms: number;
  rows: number;
  ddl: "like" | "own";
}

function* tsvChunks(count: number): Generator<Buffer> {
  for (const batch of contactBatches(count, 1000)) {
    let text = "";
    for (const r of batch) text += tsvLine(contactCells(r));
    yield Buffer.from(text);
  }
}

worker<LoadDataParams, LoadDataResult>(async (p) => {
  const conn = await mysql.createConnection({
    uri: p.url,
    infileStreamFactory: () => Readable.from(tsvChunks(p.count)),
  });
  try {
    const ddl = await createContactTable(conn, "ld_users", p.likeTable);
    const elapsed = stopwatch();
    await conn.query(
      `LOAD DATA LOCAL INFILE 'contacts.tsv' INTO TABLE ld_users CHARACTER SET utf8mb4 ` +
        `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${CONTACT_COLUMNS.join(", ")})`,
    );
    const ms = elapsed();
    const rows = await countRows(conn, "ld_users");
    await conn.query("DROP TABLE ld_users");
    return { ms, rows, ddl };
  } finally {
    await conn.end();
  }
});
