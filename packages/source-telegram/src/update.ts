import { DataError, type JsonObject, type JsonSchema, type StreamDescriptor } from "@sluice/core";
import { parseJsonExact } from "./json.js";

/** An integer id: a number, or its decimal text when it does not fit a double exactly. */
export type TelegramId = number | string;

/** A Telegram Update as parsed by `parseUpdate` (unknown fields kept). */
export interface TelegramUpdate {
  update_id: TelegramId;
  [field: string]: unknown;
}

/** The update fields that carry a Message, in the order they are looked up. */
export const MESSAGE_UPDATE_TYPES = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
] as const;
export type MessageUpdateType = (typeof MESSAGE_UPDATE_TYPES)[number];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * True for an integer id: a safe integer number, or the text `parseJsonExact` leaves for an
 * integer beyond 2^53 (text holding a small number was a JSON string, not an integer).
 */
export function isTelegramId(v: unknown): v is TelegramId {
  if (typeof v === "number") return Number.isSafeInteger(v);
  return typeof v === "string" && /^-?\d{16,19}$/.test(v) && !Number.isSafeInteger(Number(v));
}

/**
 * Parses and validates one webhook body or raw object as an Update: JSON, an object, with an
 * integer `update_id` ≥ 0. Integers beyond 2^53 keep every digit (as text). Throws a DataError
 * naming `where` (the object key, or "request body") and the problem, never a value.
 */
export function parseUpdate(bytes: Uint8Array | string, where: { key?: string } = {}): TelegramUpdate {
  const text =
    typeof bytes === "string"
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let value: unknown;
  try {
    value = parseJsonExact(text);
  } catch (e) {
    throw new DataError("not JSON", { ...where }, { cause: e });
  }
  if (!isObject(value)) throw new DataError("not a Telegram Update: not a JSON object", { ...where });
  const id = value.update_id;
  if (!isTelegramId(id) || String(id).startsWith("-")) {
    throw new DataError("not a Telegram Update: update_id must be a non-negative integer", {
      ...where,
      field: "update_id",
    });
  }
  return value as TelegramUpdate;
}

const MEDIA_FIELDS = [
  "photo",
  "video",
  "animation", // before document: an animation also sets `document`
  "document",
  "audio",
  "voice",
  "video_note",
  "sticker",
  "location",
  "venue",
  "contact",
  "poll",
  "dice",
] as const;

/** The JSON Schema of a message row: the Parquet columns and their types. */
export const MESSAGE_ROW_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    update_id: { type: "integer" },
    update_type: { type: "string" },
    message_id: { type: "integer" },
    user_id: { type: ["integer", "null"] },
    user_is_bot: { type: ["boolean", "null"] },
    user_first_name: { type: ["string", "null"] },
    user_username: { type: ["string", "null"] },
    chat_id: { type: "integer" },
    chat_type: { type: "string" },
    chat_title: { type: ["string", "null"] },
    text: { type: ["string", "null"] },
    media_type: { type: ["string", "null"] },
    date: { type: "string", format: "date-time" },
    edit_date: { type: ["string", "null"], format: "date-time" },
    context_date: { type: "string", format: "date" },
  },
};

/** The stream of flattened messages (one row per message-bearing update). */
export const MESSAGES_STREAM: StreamDescriptor = {
  name: "telegram_messages",
  primaryKey: ["update_id"],
  schema: MESSAGE_ROW_SCHEMA,
  syncModes: ["full"],
};

const unixToIso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Which Message-bearing field an update carries, if any. */
export function messageUpdateType(update: TelegramUpdate): MessageUpdateType | undefined {
  return MESSAGE_UPDATE_TYPES.find((t) => isObject(update[t]));
}

/**
 * One row per message-bearing update (`message`, `edited_message`, `channel_post`,
 * `edited_channel_post`); `undefined` for other update types. `text` is the caption for media.
 * Throws a DataError naming the key and field when the message lacks a required field.
 */
export function messageRow(
  update: TelegramUpdate,
  contextDate: string,
  key?: string,
): JsonObject | undefined {
  const type = messageUpdateType(update);
  if (!type) return undefined;
  const m = update[type] as Record<string, unknown>;
  const fail = (field: string): never => {
    throw new DataError("not a Telegram Update: invalid message", {
      ...(key ? { key } : {}),
      recordId: String(update.update_id),
      field: `${type}.${field}`,
    });
  };
  const chat = isObject(m.chat) ? m.chat : fail("chat");
  const from = isObject(m.from) ? m.from : undefined;
  if (!isTelegramId(m.message_id)) fail("message_id");
  if (!isTelegramId(chat.id)) fail("chat.id");
  if (typeof m.date !== "number" || !Number.isSafeInteger(m.date)) fail("date");
  if (from && !isTelegramId(from.id)) fail("from.id");
  const edit = m.edit_date;
  if (edit !== undefined && (typeof edit !== "number" || !Number.isSafeInteger(edit))) fail("edit_date");
  return {
    update_id: update.update_id,
    update_type: type,
    message_id: m.message_id as TelegramId,
    user_id: (from?.id as TelegramId | undefined) ?? null,
    user_is_bot: typeof from?.is_bot === "boolean" ? from.is_bot : null,
    user_first_name: str(from?.first_name),
    user_username: str(from?.username),
    chat_id: chat.id as TelegramId,
    chat_type: str(chat.type) ?? fail("chat.type"),
    chat_title: str(chat.title),
    text: str(m.text) ?? str(m.caption),
    media_type: MEDIA_FIELDS.find((f) => m[f] !== undefined && m[f] !== null) ?? null,
    date: unixToIso(m.date as number),
    edit_date: typeof edit === "number" ? unixToIso(edit) : null,
    context_date: contextDate,
  };
}
