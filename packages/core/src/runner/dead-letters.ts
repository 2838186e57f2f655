import { DataError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { DeadLetter, DeadLetterInput, JsonObject, Sink, Source } from "../types.js";
import { messageId } from "./stage.js";

export type DeadLetterTarget = "source" | { sink: Sink; stream?: string | undefined } | undefined;

/** Default stream name of dead letters in a dead-letter sink. */
export const DEAD_LETTER_STREAM = "dead_letters";

/**
 * Routes dead letters before the commit whose checkpoint covers them: to the source's own
 * mechanism (a DLQ), or appended to another sink (one commit per micro-batch). Without a
 * target a dead letter fails the run: a DataError naming the stream and the message id.
 */
export class DeadLetterRouter {
  constructor(
    private readonly target: DeadLetterTarget,
    private readonly source: Source,
    private readonly run: { runId: string; startedAt: Date; stateKeyPrefix: string; logger: Logger },
  ) {}

  get enabled(): boolean {
    return this.target !== undefined;
  }

  /** The error that fails the run when a letter has nowhere to go. */
  refuse(stream: string, letter: DeadLetterInput): DataError {
    return new DataError(`dead letter (${letter.code}) and no deadLetter target: ${letter.reason}`, {
      stream,
      recordId: messageId(letter.metadata),
    });
  }

  async route(stream: string, letters: DeadLetter[], signal: AbortSignal): Promise<void> {
    if (letters.length === 0) return;
    const target = this.target;
    if (target === undefined) throw this.refuse(stream, letters[0]!);
    if (target === "source") {
      for (const letter of letters) await this.source.deadLetter!(letter);
      return;
    }
    const name = target.stream ?? DEAD_LETTER_STREAM;
    const writer = await target.sink.open(
      { name, primaryKey: [] },
      {
        mode: "append",
        runId: this.run.runId,
        runStartedAt: this.run.startedAt,
        signal,
        logger: this.run.logger,
      },
    );
    try {
      await writer.write(letters.map(toRecord));
      await writer.commit({ stateKey: `${this.run.stateKeyPrefix}/${name}` });
    } catch (error) {
      await writer.abort(error).catch(() => undefined);
      throw error;
    }
  }
}

function toRecord(letter: DeadLetter): JsonObject {
  return {
    stream: letter.stream,
    at: letter.at,
    code: letter.code,
    reason: letter.reason,
    payload: letter.payload,
    metadata: letter.metadata ?? {},
  };
}
