import {
  type Checkpoint,
  ConfigError,
  type JsonObject,
  type ReadOptions,
  type Source,
  type SourceMessage,
  type StreamDescriptor,
  sleep,
} from "@sluice/core";
import { type BotApi, type BotApiOptions, botApi } from "./bot-api.js";
import type { TelegramUpdate } from "./update.js";

export interface PollingSourceOptions extends BotApiOptions {
  /** Long-poll seconds per getUpdates. Default 30. */
  pollTimeoutSeconds?: number;
  /** Updates per getUpdates (1-100). Default 100. */
  limit?: number;
  /** Update types to receive; default: Telegram's default (all but reactions and chat_member). */
  allowedUpdates?: string[];
  /** Pause between empty short polls (pollTimeoutSeconds 0). Default 1000 ms. */
  shortPollDelayMs?: number;
  /** A ready client (tests); otherwise one is built from the options. */
  api?: BotApi;
}

/** The stream of raw updates (each record is one Update; ids beyond 2^53 as decimal text). */
export const UPDATES_STREAM: StreamDescriptor = {
  name: "telegram_updates",
  primaryKey: ["update_id"],
  syncModes: ["incremental"],
};

/**
 * A continuous `getUpdates` long-poll source, for bots without a public URL. Calling getUpdates
 * with an offset confirms (deletes) every earlier update on Telegram's side, so the offset moves
 * only in `committed()`: after a batch is yielded (records, then checkpoint `{ offset }`), the
 * next poll waits until the runner reports that batch durable. A crash before that re-reads
 * the same updates. A 409 (webhook set, or a second poller) fails with what to do.
 */
export function telegramPollingSource(
  options: PollingSourceOptions,
): Source & { continuous: { maxUnacked: number } } {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ConfigError("telegramPollingSource options", [
      { field: "limit", message: "must be an integer 1-100" },
    ]);
  }
  const api = options.api ?? botApi(options);
  const timeout = options.pollTimeoutSeconds ?? 30;
  let committedOffset: number | undefined;
  let waiter: { offset: number; resolve: () => void } | undefined;

  const waitCommitted = (offset: number, signal: AbortSignal): Promise<void> => {
    if (committedOffset !== undefined && committedOffset >= offset) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        waiter = undefined;
        resolve();
      };
      waiter = { offset, resolve: done };
      signal.addEventListener("abort", done, { once: true });
    });
  };

  async function* read(ro: ReadOptions): AsyncGenerator<SourceMessage> {
    const saved = ro.state?.offset;
    committedOffset = typeof saved === "number" ? saved : undefined;
    while (!ro.signal.aborted) {
      ro.reporter.call();
      let updates: TelegramUpdate[];
      try {
        updates = await api.getUpdates(
          {
            ...(committedOffset !== undefined ? { offset: committedOffset } : {}),
            limit,
            timeout,
            ...(options.allowedUpdates ? { allowed_updates: options.allowedUpdates } : {}),
          },
          ro.signal,
        );
      } catch (e) {
        if (ro.signal.aborted) return; // the runner is stopping: nothing was yielded for this poll
        throw e;
      }
      if (updates.length === 0) {
        if (timeout === 0) await sleep(options.shortPollDelayMs ?? 1000, ro.signal).catch(() => undefined);
        continue;
      }
      const next = Math.max(...updates.map((u) => Number(u.update_id))) + 1;
      yield { kind: "records", records: updates as unknown as JsonObject[] };
      yield { kind: "checkpoint", checkpoint: { offset: next } };
      await waitCommitted(next, ro.signal);
    }
  }

  return {
    name: "telegram-polling",
    // one poll window is outstanding at most; the headroom lets the runner see the checkpoint
    // that follows the window's records (a separate message) before it judges the window stuck
    continuous: { maxUnacked: limit * 2 },
    async check(signal) {
      await api.getMe(signal);
    },
    async discover() {
      return [UPDATES_STREAM];
    },
    read(stream, ro) {
      if (stream !== UPDATES_STREAM.name) {
        throw new ConfigError("telegramPollingSource read", [
          {
            field: "stream",
            message: `unknown stream "${stream}"; the only stream is ${UPDATES_STREAM.name}`,
          },
        ]);
      }
      return read(ro);
    },
    async committed(_stream: string, checkpoint: Checkpoint) {
      const offset = checkpoint.offset;
      if (typeof offset !== "number") return;
      committedOffset = Math.max(committedOffset ?? 0, offset);
      if (waiter && committedOffset >= waiter.offset) waiter.resolve();
    },
  };
}
