import { DataError } from "@sluice/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { s3StateStore } from "./state-store.js";
import { getBytes, putBytes } from "./testing/helpers.js";
import { type S3rverHandle, startS3rver } from "./testing/s3rver.js";

let s3: S3rverHandle;
const bucket = "state-bucket";
beforeAll(async () => {
  s3 = await startS3rver({ buckets: [bucket] });
});
afterAll(async () => s3?.close());

it("round-trips checkpoints through one JSON object", async () => {
  const store = s3StateStore({ bucket, key: "state/rt.json", client: s3.client });
  expect(await store.load("intercom/contacts")).toBeUndefined();
  await store.save("intercom/contacts", { cursor: 1732200000 });
  await store.save("intercom/companies", { cursor: 5, page: "ab ✓" });
  await store.save("intercom/contacts", { cursor: 1732300000 });

  const fresh = s3StateStore({ bucket, key: "state/rt.json", client: s3.client });
  expect(await fresh.load("intercom/contacts")).toEqual({ cursor: 1732300000 });
  expect(await fresh.load("intercom/companies")).toEqual({ cursor: 5, page: "ab ✓" });
  const doc = JSON.parse((await getBytes(s3.client, bucket, "state/rt.json"))!.toString());
  expect(Object.keys(doc).sort()).toEqual(["intercom/companies", "intercom/contacts"]);
});

it("serialises concurrent saves in one process (no lost update)", async () => {
  const store = s3StateStore({ bucket, key: "state/concurrent.json", client: s3.client });
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.save(`s/${i}`, { i })));
  for (let i = 0; i < 10; i++) expect(await store.load(`s/${i}`)).toEqual({ i });
});

it("DataError naming the key for a corrupt state object", async () => {
  await putBytes(s3.client, bucket, "state/bad.json", "[1,2");
  const store = s3StateStore({ bucket, key: "state/bad.json", client: s3.client });
  const err = await store.load("x").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).location.key).toBe("state/bad.json");
});
