/** The simulated Telegram world: users, chats and the updates their messages produce. */

export interface SimUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

export interface SimChat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  first_name?: string;
}

export type SimUpdate = { update_id: number } & Record<string, unknown>;

export interface MessageOptions {
  /** Unix seconds; default: the simulator clock. */
  date?: number;
}

/** Builds users, chats and updates with Telegram's shapes (Bot API 9.x). */
export class World {
  private nextUpdateId: number;
  private nextUserId = 5_100_000_000;
  private nextChatNo = 1_987_654_321;
  private readonly messageIds = new Map<number, number>();

  constructor(
    firstUpdateId: number,
    private readonly now: () => Date,
  ) {
    this.nextUpdateId = firstUpdateId;
  }

  private unixNow(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  user(fields: Partial<SimUser> & { first_name: string }): SimUser {
    return { id: fields.id ?? this.nextUserId++, is_bot: fields.is_bot ?? false, ...fields };
  }

  /** A group, supergroup (the -100… id form) or channel. */
  chat(title: string, type: SimChat["type"] = "supergroup", id?: number): SimChat {
    const no = this.nextChatNo++;
    const chatId = id ?? (type === "group" ? -no : -(1_000_000_000_000 + no));
    return { id: chatId, type, title };
  }

  /** The private chat of a user with the bot. */
  privateChat(user: SimUser): SimChat {
    return { id: user.id, type: "private", first_name: user.first_name };
  }

  update(field: string, payload: unknown): SimUpdate {
    return { update_id: this.nextUpdateId++, [field]: payload };
  }

  message(
    from: SimUser | undefined,
    chat: SimChat,
    content: Record<string, unknown>,
    o: MessageOptions = {},
  ) {
    const messageId = (this.messageIds.get(chat.id) ?? 0) + 1;
    this.messageIds.set(chat.id, messageId);
    return {
      message_id: messageId,
      ...(from ? { from } : { sender_chat: chat }),
      chat,
      date: o.date ?? this.unixNow(),
      ...content,
    };
  }

  text(text: string): Record<string, unknown> {
    const command = /^\/\w+(@\w+)?/.exec(text);
    return command
      ? { text, entities: [{ offset: 0, length: command[0].length, type: "bot_command" }] }
      : { text };
  }

  photo(caption?: string): Record<string, unknown> {
    const id = this.nextUpdateId.toString(36);
    return {
      photo: [
        { file_id: `AgAC${id}s`, file_unique_id: `AQAD${id}s`, file_size: 1432, width: 90, height: 67 },
        { file_id: `AgAC${id}m`, file_unique_id: `AQAD${id}m`, file_size: 104_233, width: 1280, height: 960 },
      ],
      ...(caption !== undefined ? { caption } : {}),
    };
  }

  sticker(emoji: string): Record<string, unknown> {
    const id = this.nextUpdateId.toString(36);
    return {
      sticker: {
        file_id: `CAAC${id}`,
        file_unique_id: `AgAD${id}`,
        type: "regular",
        width: 512,
        height: 512,
        is_animated: true,
        is_video: false,
        emoji,
        set_name: "SluiceSim",
        file_size: 28_432,
      },
    };
  }

  /** An `edited_message` (or `edited_channel_post`) of `original` with new content. */
  edit(original: Record<string, unknown>, content: Record<string, unknown>, o: MessageOptions = {}) {
    const { text: _t, caption: _c, entities: _e, ...rest } = original;
    return { ...rest, ...content, edit_date: o.date ?? this.unixNow() };
  }
}
