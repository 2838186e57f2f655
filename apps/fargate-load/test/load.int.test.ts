import { randomBytes } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { appMain, baseEnv, runApp, s3rverEnv, uniqueName, waitFor } from "@sluice/app-kit/testing";
import { createLogger } from "@sluice/core";
import { runExtract } from "@sluice/fargate-extract";
import { type IntercomSimulator, startSimulator } from "@sluice/intercom-simulator";
import { type S3rverHandle, startS3rver } from "@sluice/sink-s3/testing";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const LOAD_MAIN = appMain("fargate-load");

const MYSQL_HOST = process.env.SLUICE_TEST_MYSQL_HOST ?? "127.0.0.1";
const MYSQL_PORT = Number(process.env.SLUICE_TEST_MYSQL_PORT ?? 3306);
const MYSQL_USER = process.env.SLUICE_TEST_MYSQL_USER ?? "root";

let sim: IntercomSimulator;
let s3: S3rverHandle;
let admin: mysql.Connection;
const bucket = uniqueName("load");
const databases: string[] = [];
let users: Array<Record<string, unknown>>;
let expectedParts = 0;

beforeAll(async () => {
  [sim, s3, admin] = await Promise.all([
    startSimulator({ seed: 11, contacts: 180, conversations: 30, companies: 10, rateLimit: false }),
    startS3rver(),
    mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_USER }),
  ]);
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  // the extract's output is the load's input
  await runExtract(
    {
      intercom: { accessToken: sim.token, apiUrl: sim.url },
      streams: ["contacts", "conversations"],
      syncMode: "full",
      contactSweep: "auto",
      s3: { bucket, prefix: "data/", forcePathStyle: true },
      output: { format: "json", gzip: false },
      logLevel: "warn",
    },
    { s3ClientConfig: s3.clientConfig, logger: createLogger({ level: "silent" }) },
  );
  users = JSON.parse(await getText("data/users.json")) as Array<Record<string, unknown>>;
  const conversations = JSON.parse(await getText("data/conversations.json")) as Array<{
    conversation_parts?: { conversation_parts?: unknown[] };
  }>;
  expectedParts = conversations.reduce(
    (n, c) => n + (c.conversation_parts?.conversation_parts?.length ?? 0),
    0,
  );
  expect(expectedParts).toBeGreaterThan(0);
});

afterAll(async () => {
  for (const db of databases) await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await Promise.allSettled([sim?.close(), s3?.close()]);
});

async function getText(key: string): Promise<string> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString("utf8")) ?? "";
}

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function newDatabase(): Promise<string> {
  const name = `sluice_load_${randomBytes(5).toString("hex")}`;
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  databases.push(name);
  return name;
}

const dbUrl = (db: string) => `mysql://${MYSQL_USER}@${MYSQL_HOST}:${MYSQL_PORT}/${db}`;

async function counts(db: string): Promise<Record<string, number>> {
  const [rows] = await admin.query(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`,
    [db],
  );
  const out: Record<string, number> = {};
  for (const { t } of rows as Array<{ t: string }>) {
    const [[row]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${t}\``)) as unknown as [
      Array<{ n: number }>,
    ];
    out[t] = Number(row?.n);
  }
  return out;
}

function loadEnv(db: string, extra: Record<string, string | undefined> = {}) {
  return baseEnv({ ...s3rverEnv(s3.endpoint), S3_BUCKET: bucket, DATABASE_URL: dbUrl(db), ...extra });
}

describe("fargate-load (the built program)", () => {
  it("loads users, conversation and conversation_part (DB_* variables)", async () => {
    const db = await newDatabase();
    const result = await runApp(
      LOAD_MAIN,
      baseEnv({
        ...s3rverEnv(s3.endpoint),
        S3_BUCKET: bucket,
        DB_HOST: MYSQL_HOST,
        DB_PORT: String(MYSQL_PORT),
        DB_USER: MYSQL_USER,
        DB_NAME: db,
      }),
    );
    expect(result.stderr).not.toContain("failed");
    expect(result.code).toBe(0);
    const c = await counts(db);
    expect(c.users).toBe(users.length);
    expect(c.conversation).toBe(sim.workspace.conversations.length);
    expect(c.conversation_part).toBe(expectedParts);
    expect(Object.keys(c).filter((t) => t.includes("__stg_") || t.includes("__old_"))).toEqual([]);
  });

  it("upserts again into the same tables without duplicating rows (DATABASE_URL)", async () => {
    const db = await newDatabase();
    expect((await runApp(LOAD_MAIN, loadEnv(db))).code).toBe(0);
    const result = await runApp(LOAD_MAIN, loadEnv(db, { LOAD_MODE: "upsert" }));
    expect(result.code).toBe(0);
    const c = await counts(db);
    expect(c.users).toBe(users.length);
    expect(c.conversation_part).toBe(expectedParts);
  });

  it("fails on a corrupt object naming its key, and leaves every table as it was", async () => {
    const db = await newDatabase();
    expect((await runApp(LOAD_MAIN, loadEnv(db))).code).toBe(0);
    const before = await counts(db);

    const text = await getText("data/conversations.json");
    await put("corrupt/users.json", JSON.stringify(users.slice(0, 10)));
    await put("corrupt/conversations.json", `${text.slice(0, Math.floor(text.length / 2))}`);
    const result = await runApp(LOAD_MAIN, loadEnv(db, { S3_PREFIX: "corrupt/" }));
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^fargate-load failed: /);
    expect(result.lastLine).toContain("corrupt/conversations.json");
    expect(await counts(db)).toEqual(before);
  });

  it("fails on a missing object naming its key, and leaves every table as it was", async () => {
    const db = await newDatabase();
    expect((await runApp(LOAD_MAIN, loadEnv(db))).code).toBe(0);
    const before = await counts(db);
    const result = await runApp(LOAD_MAIN, loadEnv(db, { S3_PREFIX: "nothing-here/" }));
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/nothing-here\/(users|conversations)\.json/);
    expect(await counts(db)).toEqual(before);
  });

  it("rejects a bad environment naming every bad variable, never the password", async () => {
    // a fake password, assembled at run time so no credential-shaped literal sits in the source
    const password = ["Sup3r", "Secret", "Pw", "9876"].join("-");
    const result = await runApp(
      LOAD_MAIN,
      baseEnv({
        DATABASE_URL: `postgres://loader:${password}@db.internal:5432/warehouse`,
        LOAD_MODE: "merge",
        INPUT_FORMAT: "xml",
        LOAD_STREAMS: "contacts,nope",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^fargate-load failed: config_invalid: /);
    for (const name of ["S3_BUCKET", "DATABASE_URL", "LOAD_MODE", "INPUT_FORMAT", "LOAD_STREAMS"]) {
      expect(result.lastLine).toContain(name);
    }
    expect(result.stdout + result.stderr).not.toContain(password);

    const partsMissing = await runApp(LOAD_MAIN, baseEnv({ S3_BUCKET: bucket, DB_PASSWORD: password }));
    expect(partsMissing.code).toBe(1);
    for (const name of ["DB_HOST", "DB_USER", "DB_NAME"]) expect(partsMissing.lastLine).toContain(name);
    expect(partsMissing.stdout + partsMissing.stderr).not.toContain(password);
  });

  it("aborts cleanly on SIGTERM mid-load: non-zero exit, tables unchanged, no staging left", async () => {
    const db = await newDatabase();
    expect((await runApp(LOAD_MAIN, loadEnv(db))).code).toBe(0);
    const before = await counts(db);

    // a big users object, so the load is still running when the signal arrives
    const lines: string[] = [];
    for (let i = 0; i < 15_000; i++) {
      const u = users[i % users.length]!;
      lines.push(
        JSON.stringify({ ...u, id: `big${i}`, external_id: `big-${i}`, email: `big${i}@example.com` }),
      );
    }
    await put("big/users.jsonl", `${lines.join("\n")}\n`);

    const staging = async () => {
      const [rows] = await admin.query(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'users\\_\\_stg\\_%'",
        [db],
      );
      const t = (rows as Array<{ t: string }>)[0]?.t;
      if (!t) return false;
      const [[row]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${t}\``)) as unknown as [
        Array<{ n: number }>,
      ];
      return Number(row?.n) > 0;
    };
    let signalled = false;
    const result = await runApp(
      LOAD_MAIN,
      loadEnv(db, { S3_PREFIX: "big/", LOAD_STREAMS: "contacts", INPUT_FORMAT: "jsonl" }),
      {
        onSpawn: (child) => {
          void waitFor(staging, 30_000, "rows in the staging table").then(() => {
            signalled = true;
            child.kill("SIGTERM");
          });
        },
      },
    );
    expect(signalled).toBe(true);
    expect(result.code).toBe(143);
    expect(result.lastLine).toMatch(/^fargate-load failed: cancelled: /);
    const after = await counts(db);
    expect(after).toEqual(before);
  });
});
