import { DataError } from "@sluice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3StateStore } from "./state-store.js";
import { getBytes, listKeys, putBytes } from "./testing/helpers.js";
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

describe("keyTemplate: one object per checkpoint key", () => {
  it("each checkpoint lands in its own object, a document holding only its key", async () => {
    const store = s3StateStore({
      bucket,
      prefix: "tpl/",
      keyTemplate: "{prefix}_state/{stream}.json",
      client: s3.client,
    });
    await store.save("intercom/contacts", { cursor: 1 });
    await store.save("intercom/conversations", { cursor: 2 });
    expect(await listKeys(s3.client, bucket, "tpl/")).toEqual([
      "tpl/_state/contacts.json",
      "tpl/_state/conversations.json",
    ]);
    const doc = JSON.parse((await getBytes(s3.client, bucket, "tpl/_state/contacts.json"))!.toString());
    expect(doc).toEqual({ "intercom/contacts": { cursor: 1 } });
    const fresh = s3StateStore({ bucket, keyTemplate: "tpl/_state/{stream}.json", client: s3.client });
    expect(await fresh.load("intercom/conversations")).toEqual({ cursor: 2 });
    expect(await fresh.load("intercom/companies")).toBeUndefined();
  });

  it("{key} renders the whole checkpoint key", async () => {
    const store = s3StateStore({ bucket, keyTemplate: "whole/{key}.json", client: s3.client });
    await store.save("intercom/tags", { n: 1 });
    expect(await listKeys(s3.client, bucket, "whole/")).toEqual(["whole/intercom/tags.json"]);
  });

  it("separate writers (one per stream, as separate tasks) saving at once keep every key, even where conditional writes are ignored", async () => {
    // s3rver ignores If-Match: writers of one shared object could lose each other's keys here
    const streams = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const writer = () => s3StateStore({ bucket, keyTemplate: "race/{stream}.json", client: s3.client });
    await Promise.all(
      streams.map(async (s) => {
        const store = writer();
        for (let round = 1; round <= 3; round++) await store.save(`src/${s}`, { s, round });
      }),
    );
    const reader = writer();
    for (const s of streams) expect(await reader.load(`src/${s}`)).toEqual({ s, round: 3 });
  });

  it("fallbackKey: a checkpoint absent from its own object is read from the single-object document, which is never written", async () => {
    const legacy = { "intercom/contacts": { cursor: 10 }, "intercom/conversations": { cursor: 20 } };
    await putBytes(s3.client, bucket, "mig/_state/all.json", JSON.stringify(legacy));
    const store = s3StateStore({
      bucket,
      keyTemplate: "mig/_state/all/{stream}.json",
      fallbackKey: "mig/_state/all.json",
      client: s3.client,
    });
    expect(await store.load("intercom/contacts")).toEqual({ cursor: 10 });
    await store.save("intercom/contacts", { cursor: 11 });
    expect(await store.load("intercom/contacts")).toEqual({ cursor: 11 });
    expect(await store.load("intercom/conversations")).toEqual({ cursor: 20 });
    expect(await store.load("intercom/tags")).toBeUndefined();
    const after = JSON.parse((await getBytes(s3.client, bucket, "mig/_state/all.json"))!.toString());
    expect(after).toEqual(legacy);
  });
});
