import { DataError } from "@sluice/core";
import { describe, expect, test } from "vitest";
import { parseJsonExact } from "./json.js";
import { dayIn, enrichedKey, isIsoDay, rawUpdateKey, yesterdayIn } from "./partition.js";
import { messageRow, parseUpdate } from "./update.js";

const SP = "America/Sao_Paulo";

describe("parseJsonExact", () => {
  test("keeps integers beyond 2^53 digit for digit, leaves the rest as JSON.parse does", () => {
    const text = '{"a":9007199254740993,"b":[-12345678901234567890],"c":1.5,"d":42,"e":"9007199254740993"}';
    expect(parseJsonExact(text)).toEqual({
      a: "9007199254740993",
      b: ["-12345678901234567890"],
      c: 1.5,
      d: 42,
      e: "9007199254740993",
    });
    expect(parseJsonExact('{"a":1}')).toEqual({ a: 1 });
  });
});

describe("parseUpdate", () => {
  test("accepts an Update, refuses non-JSON, non-objects and a missing or non-integer update_id, naming the key", () => {
    expect(parseUpdate('{"update_id":7,"message":{}}').update_id).toBe(7);
    expect(parseUpdate(Buffer.from('{"update_id":18446744073709}')).update_id).toBe(18446744073709);
    for (const bad of [
      "nope",
      "[1]",
      '{"message":{}}',
      '{"update_id":"7"}',
      '{"update_id":1.5}',
      '{"update_id":-1}',
    ]) {
      try {
        parseUpdate(bad, { key: "k/1.json" });
        expect.unreachable(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        expect((e as DataError).location.key).toBe("k/1.json");
      }
    }
  });
});

describe("partitions", () => {
  test("the received day and D-1 are São Paulo days across the UTC boundary", () => {
    // 02:59:59 UTC on 2 Jan is still 1 Jan (23:59:59) in São Paulo
    expect(dayIn(new Date("2026-01-02T02:59:59Z"), SP)).toBe("2026-01-01");
    expect(dayIn(new Date("2026-01-02T03:00:00Z"), SP)).toBe("2026-01-02");
    // the schedule fires at 00:00 São Paulo = 03:00 UTC: D-1 is the day that just ended
    expect(yesterdayIn(new Date("2026-01-02T03:00:30Z"), SP)).toBe("2026-01-01");
    // one minute earlier it is still 1 Jan locally, so yesterday is 31 Dec
    expect(yesterdayIn(new Date("2026-01-02T02:59:00Z"), SP)).toBe("2025-12-31");
    expect(yesterdayIn(new Date("2026-03-01T03:00:00Z"), SP)).toBe("2026-02-28");
    expect(yesterdayIn(new Date("2026-01-02T01:00:00Z"), "UTC")).toBe("2026-01-01");
  });
  test("keys and day validation", () => {
    expect(rawUpdateKey("telegram/", "2026-01-01", "712345001")).toBe(
      "telegram/context_date=2026-01-01/712345001.json",
    );
    expect(enrichedKey("t/", "2026-01-01")).toBe("t/context_date=2026-01-01/telegram.parquet");
    expect(isIsoDay("2026-02-29")).toBe(false);
    expect(isIsoDay("2028-02-29")).toBe(true);
    expect(isIsoDay("2026-1-01")).toBe(false);
  });
});

describe("messageRow", () => {
  const chat = { id: -1001987654321, title: "Vendas SP", type: "supergroup" };
  const from = { id: 5123456789, is_bot: false, first_name: "Ana", username: "ana" };
  test("a text message, a photo with caption, an edit, a channel post; other updates have no row", () => {
    const text = messageRow(
      { update_id: 1, message: { message_id: 4521, from, chat, date: 1767236400, text: "oi 📈" } },
      "2026-01-01",
    );
    expect(text).toEqual({
      update_id: 1,
      update_type: "message",
      message_id: 4521,
      user_id: 5123456789,
      user_is_bot: false,
      user_first_name: "Ana",
      user_username: "ana",
      chat_id: -1001987654321,
      chat_type: "supergroup",
      chat_title: "Vendas SP",
      text: "oi 📈",
      media_type: null,
      date: "2026-01-01T03:00:00.000Z",
      edit_date: null,
      context_date: "2026-01-01",
    });
    const photo = messageRow(
      { update_id: 2, message: { message_id: 1, from, chat, date: 1, photo: [{}], caption: "nota" } },
      "d",
    );
    expect([photo?.text, photo?.media_type]).toEqual(["nota", "photo"]);
    const anim = messageRow(
      { update_id: 2, message: { message_id: 1, from, chat, date: 1, animation: {}, document: {} } },
      "d",
    );
    expect(anim?.media_type).toBe("animation");
    const edit = messageRow(
      { update_id: 3, edited_message: { message_id: 1, from, chat, date: 1, edit_date: 2, text: "x" } },
      "d",
    );
    expect([edit?.update_type, edit?.edit_date]).toEqual(["edited_message", "1970-01-01T00:00:02.000Z"]);
    const post = messageRow(
      {
        update_id: 4,
        channel_post: {
          message_id: 9,
          chat: { id: -100123, type: "channel", title: "A" },
          date: 1,
          text: "t",
        },
      },
      "d",
    );
    expect([post?.user_id, post?.user_is_bot, post?.user_first_name]).toEqual([null, null, null]);
    expect(messageRow({ update_id: 5, callback_query: { id: "1" } }, "d")).toBeUndefined();
  });
  test("ids beyond 2^53 pass through as text; a message without chat is a DataError naming key and field", () => {
    const row = messageRow(
      {
        update_id: "9007199254740993",
        message: { message_id: 1, chat: { id: "-9007199254740995", type: "group" }, date: 1 },
      },
      "d",
    );
    expect([row?.update_id, row?.chat_id]).toEqual(["9007199254740993", "-9007199254740995"]);
    try {
      messageRow({ update_id: 6, message: { message_id: 1, date: 1 } }, "d", "raw/6.json");
      expect.unreachable();
    } catch (e) {
      expect((e as DataError).location).toMatchObject({
        key: "raw/6.json",
        field: "message.chat",
        recordId: "6",
      });
    }
  });
});
