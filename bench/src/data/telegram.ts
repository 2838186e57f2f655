/**
 * A synthetic S3 for the daily-job benchmark: one day of `count` raw Telegram updates, generated
 * on demand (ListObjectsV2 pages of keys, GetObject bodies), and uploads that are counted and
 * discarded. Both jobs (Sluice's and the naive one) read and write through it, so the figures
 * are the jobs' own CPU and memory, not those of a local S3 server.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

const TEXTS = [
  "Bom dia, equipe! ☀️ /report@bot",
  "مرحبا 👋🏽 שלום",
  "Preço: R$ 1.234,56 — às 23h",
  "日本語 👨‍👩‍👧‍👦 🇧🇷",
];

/** The raw update `id` of the synthetic day: texts, photos with captions, stickers, edits, channel posts. */
export function syntheticUpdate(id: number, day: string): string {
  const date = Math.floor(Date.parse(`${day}T12:00:00Z`) / 1000) + (id % 40_000);
  const from = {
    id: 5_100_000_000 + (id % 97),
    is_bot: false,
    first_name: ["Ana", "João", "نور"][id % 3],
    username: id % 2 ? "ana_vendas" : undefined,
  };
  const chat = { id: -1_001_987_654_321, title: "Vendas SP 🇧🇷", type: "supergroup" };
  const base = { message_id: id, from, chat, date };
  switch (id % 5) {
    case 1:
      return JSON.stringify({
        update_id: id,
        message: {
          ...base,
          photo: [
            {
              file_id: `AgAC${id}`,
              file_unique_id: `AQAD${id}`,
              width: 1280,
              height: 960,
              file_size: 104_233,
            },
          ],
          caption: "Nota fiscal #recibo",
        },
      });
    case 2:
      return JSON.stringify({
        update_id: id,
        message: {
          ...base,
          sticker: {
            file_id: `CAAC${id}`,
            file_unique_id: `AgAD${id}`,
            type: "regular",
            width: 512,
            height: 512,
            is_animated: true,
            is_video: false,
            emoji: "😂",
          },
        },
      });
    case 3:
      return JSON.stringify({
        update_id: id,
        edited_message: { ...base, edit_date: date + 60, text: `${TEXTS[id % 4]} (editado)` },
      });
    case 4:
      return JSON.stringify({
        update_id: id,
        channel_post: {
          message_id: id,
          sender_chat: chat,
          chat: { ...chat, type: "channel" },
          date,
          text: "Manutenção hoje às 23h.",
        },
      });
    default:
      return JSON.stringify({
        update_id: id,
        message: {
          ...base,
          text: `${TEXTS[id % 4]} #${id}`,
          entities: [{ offset: 0, length: 4, type: "bold" }],
        },
      });
  }
}

const FIRST_ID = 700_000_000;

export class SyntheticS3 extends S3Client {
  uploadedBytes = 0;
  gets = 0;

  constructor(
    private readonly count: number,
    private readonly prefix: string,
    private readonly day: string,
  ) {
    super({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  }

  private keyOf(i: number): string {
    return `${this.prefix}context_date=${this.day}/${FIRST_ID + i}.json`;
  }

  // biome-ignore lint/suspicious/noExplicitAny: a test double for every command shape
  override async send(command: any): Promise<any> {
    const input = command.input;
    if (command instanceof ListObjectsV2Command) {
      const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
      const end = Math.min(start + (input.MaxKeys ?? 1000), this.count);
      const Contents = [];
      for (let i = start; i < end; i++) Contents.push({ Key: this.keyOf(i), Size: 300 });
      return {
        Contents,
        KeyCount: Contents.length,
        IsTruncated: end < this.count,
        ...(end < this.count ? { NextContinuationToken: String(end) } : {}),
      };
    }
    if (command instanceof GetObjectCommand) {
      this.gets++;
      const id = Number(/\/(\d+)\.json$/.exec(input.Key)?.[1]);
      const bytes = Buffer.from(syntheticUpdate(id, this.day));
      return {
        Body: {
          transformToByteArray: async () => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        },
      };
    }
    if (command instanceof PutObjectCommand || command instanceof UploadPartCommand) {
      this.uploadedBytes += input.ContentLength ?? input.Body?.byteLength ?? 0;
      return { ETag: '"synthetic"' };
    }
    if (command instanceof CreateMultipartUploadCommand) return { UploadId: "synthetic" };
    if (command instanceof CompleteMultipartUploadCommand) return { ETag: '"synthetic"' };
    return {};
  }
}
