import type { Connection } from "mysql2/promise";
import { contactTableDdl } from "../data/contact-rows.js";

/** Creates `table` like sink-aurora's `users` if that exists (same DDL), else from the fallback DDL. */
export async function createContactTable(
  conn: Connection,
  table: string,
  like: string,
): Promise<"like" | "own"> {
  await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
  const [found] = await conn.query("SHOW TABLES LIKE ?", [like]);
  if ((found as unknown[]).length > 0) {
    await conn.query(`CREATE TABLE \`${table}\` LIKE \`${like}\``);
    return "like";
  }
  await conn.query(contactTableDdl(table));
  return "own";
}

export async function countRows(conn: Connection, table: string): Promise<number> {
  const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
  return Number((rows as { n: number }[])[0]?.n ?? 0);
}
