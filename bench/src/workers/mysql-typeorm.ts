/** Worker (baseline): the same rows via TypeORM `repository.save`, `chunk` entities per save. */
import "reflect-metadata";
import mysql from "mysql2/promise";
import { DataSource, EntitySchema } from "typeorm";
import { contactBatches } from "../data/contacts.js";
import { stopwatch, worker } from "../harness/worker.js";
import { countRows, createContactTable } from "./mysql-common.js";

export interface TypeormParams {
  url: string;
  count: number;
  chunk: number;
  likeTable: string;
}
export interface TypeormResult {
  ms: number;
  rows: number;
}

interface ContactRow {
  id: string;
  external_id: string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  role: string | null;
  owner_id: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  last_seen_at: Date | null;
  signed_up_at: Date | null;
  custom_attributes: unknown;
  raw: unknown;
}

const Contact = new EntitySchema<ContactRow>({
  name: "Contact",
  tableName: "tx_users",
  columns: {
    id: { type: "varchar", length: 64, primary: true },
    external_id: { type: "varchar", length: 255, nullable: true },
    email: { type: "varchar", length: 255, nullable: true },
    name: { type: "text", nullable: true },
    phone: { type: "varchar", length: 255, nullable: true },
    role: { type: "varchar", length: 64, nullable: true },
    owner_id: { type: "varchar", length: 64, nullable: true },
    created_at: { type: "datetime", nullable: true },
    updated_at: { type: "datetime", nullable: true },
    last_seen_at: { type: "datetime", nullable: true },
    signed_up_at: { type: "datetime", nullable: true },
    custom_attributes: { type: "json", nullable: true },
    raw: { type: "json" },
  },
});

const date = (v: unknown) => (typeof v === "number" ? new Date(v * 1000) : null);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

worker<TypeormParams, TypeormResult>(async (p) => {
  const admin = await mysql.createConnection({ uri: p.url });
  await createContactTable(admin, "tx_users", p.likeTable);
  const ds = new DataSource({
    type: "mysql",
    url: p.url,
    entities: [Contact],
    synchronize: false,
    timezone: "Z",
  });
  await ds.initialize();
  try {
    const repo = ds.getRepository(Contact);
    const elapsed = stopwatch();
    for (const batch of contactBatches(p.count, p.chunk)) {
      await repo.save(
        batch.map((r) => ({
          id: String(r.id),
          external_id: str(r.external_id),
          email: str(r.email),
          name: str(r.name),
          phone: str(r.phone),
          role: str(r.role),
          owner_id: str(r.owner_id),
          created_at: date(r.created_at),
          updated_at: date(r.updated_at),
          last_seen_at: date(r.last_seen_at),
          signed_up_at: date(r.signed_up_at),
          custom_attributes: r.custom_attributes ?? null,
          raw: r,
        })),
      );
    }
    const ms = elapsed();
    const rows = await countRows(admin, "tx_users");
    await admin.query("DROP TABLE tx_users");
    return { ms, rows };
  } finally {
    await ds.destroy();
    await admin.end();
  }
});
