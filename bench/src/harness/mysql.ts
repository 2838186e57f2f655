/** MariaDB/MySQL connection facts for the bench (env BENCH_MYSQL_URL, default root@127.0.0.1:3306). */
import mysql from "mysql2/promise";

export const BENCH_DB = "sluice_bench";

export function serverUrl(): string {
  return process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
}

export function databaseUrl(db = BENCH_DB): string {
  return `${serverUrl().replace(/\/+$/, "")}/${db}`;
}

/** Drops and recreates the bench database; turns local_infile on when the server allows it. */
export async function resetDatabase(db = BENCH_DB): Promise<{ localInfile: boolean }> {
  const conn = await mysql.createConnection({ uri: serverUrl() });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    const [rows] = await conn.query("SELECT @@local_infile AS v");
    let on = Number((rows as { v: number }[])[0]?.v) === 1;
    if (!on) {
      try {
        await conn.query("SET GLOBAL local_infile = 1");
        on = true;
      } catch {
        on = false;
      }
    }
    return { localInfile: on };
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(db = BENCH_DB): Promise<void> {
  const conn = await mysql.createConnection({ uri: serverUrl() });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  } finally {
    await conn.end();
  }
}
