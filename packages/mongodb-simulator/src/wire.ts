/**
 * MongoDB wire framing: the 16-byte header, OP_MSG (kind 0 body + kind 1 document sequences)
 * and the legacy OP_QUERY/OP_REPLY pair the driver still uses for its first handshake.
 */
import { BSON, type Document } from "bson";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;
const CHECKSUM_PRESENT = 1;

export interface Request {
  requestId: number;
  opCode: number;
  /** The command document, with kind 1 sequences merged in as arrays. */
  command: Document;
  /** The client asked for no reply (w:0). */
  moreToCome: boolean;
}

/** Splits complete messages off the front of `buffer`; returns them and the remainder. */
export function takeMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < 16) throw new Error(`invalid message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export function parseRequest(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, opCode, ...parseOpMsg(message) };
  if (opCode === OP_QUERY) return { requestId, opCode, command: parseOpQuery(message), moreToCome: false };
  throw new Error(`unsupported opCode ${opCode}`);
}

function parseOpMsg(message: Buffer): { command: Document; moreToCome: boolean } {
  const flags = message.readUInt32LE(16);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = 20;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = BSON.deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const name = message.toString("utf8", offset + 4, nameEnd);
      let p = nameEnd + 1;
      const docs: Document[] = [];
      while (p < sectionEnd) {
        const docSize = message.readInt32LE(p);
        docs.push(BSON.deserialize(message.subarray(p, p + docSize)));
        p += docSize;
      }
      sequences[name] = docs;
      offset = sectionEnd;
    } else {
      throw new Error(`unsupported OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error("OP_MSG without a body section");
  return { command: { ...body, ...sequences }, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

function parseOpQuery(message: Buffer): Document {
  const nameEnd = message.indexOf(0, 20);
  const queryStart = nameEnd + 1 + 8; // numberToSkip + numberToReturn
  const size = message.readInt32LE(queryStart);
  const query = BSON.deserialize(message.subarray(queryStart, queryStart + size));
  // legacy form: { $query: {...}, $readPreference } or the command itself
  return (query.$query as Document | undefined) ?? query;
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** A reply in the request's own protocol: OP_MSG kind 0, or OP_REPLY for OP_QUERY. */
export function encodeReply(request: Request, requestId: number, reply: Document): Buffer {
  const doc = BSON.serialize(reply);
  if (request.opCode === OP_QUERY) {
    const fields = Buffer.alloc(20);
    fields.writeInt32LE(0, 0); // responseFlags
    fields.writeBigInt64LE(0n, 4); // cursorID
    fields.writeInt32LE(0, 12); // startingFrom
    fields.writeInt32LE(1, 16); // numberReturned
    const length = 16 + fields.length + doc.length;
    return Buffer.concat([header(length, requestId, request.requestId, OP_REPLY), fields, doc]);
  }
  const flagsAndKind = Buffer.alloc(5); // flagBits 0, section kind 0
  const length = 16 + flagsAndKind.length + doc.length;
  return Buffer.concat([header(length, requestId, request.requestId, OP_MSG), flagsAndKind, doc]);
}
