/** Test helpers (not part of the build): a throwaway MariaDB database per test file. */
import { randomBytes, randomUUID } from "node:crypto";
import { type JsonObject, type OpenOptions, silentLogger, type WriteMode } from "@sluice/core";
import mysql from "mysql2/promise";
import { laidOut } from "./test-layouts.js";

export const MYSQL_HOST = process.env.SLUICE_TEST_MYSQL_HOST ?? "127.0.0.1";
export const MYSQL_PORT = Number(process.env.SLUICE_TEST_MYSQL_PORT ?? 3306);
export const MYSQL_USER = process.env.SLUICE_TEST_MYSQL_USER ?? "root";

export interface TestDatabase {
  database: string;
  url: string;
  /** Admin connection on the test database (UTC, utf8mb4). */
  conn: mysql.Connection;
  /** A second, independent connection. */
  connect(): Promise<mysql.Connection>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const database = `sluice_test_${randomBytes(5).toString("hex")}`;
  const base = {
    host: MYSQL_HOST,
    port: MYSQL_PORT,
    user: MYSQL_USER,
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
  };
  const admin = await mysql.createConnection(base);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const connect = () => mysql.createConnection({ ...base, database });
  const conn = await connect();
  return {
    database,
    url: `mysql://${MYSQL_USER}@${MYSQL_HOST}:${MYSQL_PORT}/${database}`,
    conn,
    connect,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    },
  };
}

export function openOptions(mode: WriteMode, runId = randomUUID()): OpenOptions {
  return {
    mode,
    runId,
    runStartedAt: new Date(),
    signal: new AbortController().signal,
    logger: silentLogger(),
  };
}

/** A descriptor with its test layout (see test-layouts.ts). */
export const stream = (name: string) => laidOut(name);

export function contact(i: number, extra: JsonObject = {}): JsonObject {
  return {
    type: "contact",
    id: `c${String(i).padStart(8, "0")}`,
    external_id: `ext-${i}`,
    email: `user${i}@example.com`,
    name: `User ${i}`,
    phone: null,
    role: i % 3 === 0 ? "lead" : "user",
    owner_id: i % 5 === 0 ? null : String(1000 + (i % 7)),
    created_at: 1_700_000_000 + i,
    updated_at: 1_700_100_000 + i,
    last_seen_at: i % 2 === 0 ? null : 1_700_200_000 + i,
    signed_up_at: 1_700_000_000,
    custom_attributes: { plan: "pro", seats: i % 10, "The One Ring": i % 2 === 0 },
    tags: { type: "list", data: [], has_more: false, total_count: 0 },
    ...extra,
  };
}
