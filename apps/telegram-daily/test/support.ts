// Test helpers of telegram-daily (not part of the app).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

export { getBytes, listKeys } from "@sluice/sink-s3/testing";

export async function putText(client: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** DuckDB over Parquet bytes saved to a temp dir. */
export async function duck(): Promise<{
  query(bytes: Buffer, sql: (file: string) => string): Promise<Record<string, unknown>[]>;
  close(): void;
}> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-telegram-duck-"));
  const db: DuckDBConnection = await (await DuckDBInstance.create(":memory:")).connect();
  let n = 0;
  return {
    async query(bytes, sql) {
      const file = join(dir, `f${n++}.parquet`);
      writeFileSync(file, bytes);
      return (await db.runAndReadAll(sql(`read_parquet('${file}')`))).getRowObjectsJS() as Record<
        string,
        unknown
      >[];
    },
    close() {
      db.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const EXPECTED_COLUMNS = [
  "update_id:BIGINT",
  "update_type:VARCHAR",
  "message_id:BIGINT",
  "user_id:BIGINT",
  "user_is_bot:BOOLEAN",
  "user_first_name:VARCHAR",
  "user_username:VARCHAR",
  "chat_id:BIGINT",
  "chat_type:VARCHAR",
  "chat_title:VARCHAR",
  "text:VARCHAR",
  "media_type:VARCHAR",
  "date:TIMESTAMP",
  "edit_date:TIMESTAMP",
  "context_date:DATE",
];
