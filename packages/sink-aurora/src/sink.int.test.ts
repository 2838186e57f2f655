import { DataError, type JsonObject } from "@sluice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuroraSink, auroraSink } from "./index.js";
import { contact, createTestDatabase, openOptions, stream, type TestDatabase } from "./test-support.js";

let db: TestDatabase;
const sinks: AuroraSink[] = [];
const makeSink = (extra: Record<string, unknown> = {}) => {
  const s = auroraSink({ url: db.url, ...extra });
  sinks.push(s);
  return s;
};
const rows = async (sql: string, params: unknown[] = []) =>
  (await db.conn.query(sql, params))[0] as JsonObject[];
const count = async (table: string) => Number((await rows(`SELECT COUNT(*) AS n FROM \`${table}\``))[0]?.n);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of sinks) await s.close();
  await db?.drop();
});

describe.each(["load-data", "insert"] as const)("modes with loadMethod=%s", (loadMethod) => {
  it("replace swaps the whole table, append adds, upsert merges by primary key", async () => {
    const sink = makeSink({
      loadMethod,
      batchRows: 7,
      tables: { contacts: `users_${loadMethod.replace("-", "_")}` },
    });
    const table = `users_${loadMethod.replace("-", "_")}`;
    let w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 20 }, (_, i) => contact(i)));
    const r1 = await w.commit({ stateKey: "intercom/contacts" });
    expect(r1.records).toBe(20);
    expect(r1.details?.loadMethod).toBe(loadMethod);
    expect(await count(table)).toBe(20);

    w = await sink.open(stream("contacts"), openOptions("replace"));
    await w.write(Array.from({ length: 5 }, (_, i) => contact(100 + i)));
    await w.commit({ stateKey: "intercom/contacts" });
    expect(await count(table)).toBe(5);
    expect((await rows(`SHOW TABLES LIKE '${table}\\_\\_%'`)).length).toBe(0);

    w = await sink.open(stream("contacts"), openOptions("append"));
    await w.write(Array.from({ length: 3 }, (_, i) => contact(200 + i)));
    const r3 = await w.commit({ stateKey: "intercom/contacts", checkpoint: { cursor: 1 } });
    expect(r3.checkpointPersisted).toBe(true);
    expect(await count(table)).toBe(8);

    w = await sink.open(stream("contacts"), openOptions("upsert"));
    await w.write([contact(200, { name: "Renamed" }), contact(300), contact(300, { name: "Last wins" })]);
    const r4 = await w.commit({ stateKey: "intercom/contacts", checkpoint: { cursor: 2 } });
    expect(r4.checkpointPersisted).toBe(true);
    expect(await count(table)).toBe(9);
    const [c200] = await rows(`SELECT name FROM \`${table}\` WHERE id = ?`, [contact(200).id]);
    const [c300] = await rows(`SELECT name FROM \`${table}\` WHERE id = ?`, [contact(300).id]);
    expect(c200?.name).toBe("Renamed");
    expect(c300?.name).toBe("Last wins");
    expect(await sink.stateStore().load("intercom/contacts")).toEqual({ cursor: 2 });
  });
});
