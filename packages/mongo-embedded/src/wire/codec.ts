// MongoDB wire framing: the legacy OP_QUERY/OP_REPLY pair (only the first handshake uses it) and OP_MSG.
import { BSON, type Document } from 'bson'

export const OP_REPLY = 1
export const OP_QUERY = 2004
export const OP_COMPRESSED = 2012
export const OP_MSG = 2013

/** MongoDB's limits, advertised in `hello` and enforced here. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
export const MAX_MESSAGE_SIZE = 48_000_000
export const MAX_WRITE_BATCH_SIZE = 100_000

const FLAG_CHECKSUM = 1
const FLAG_MORE_TO_COME = 2

/** Options used for every document that comes off the wire: numbers keep their BSON type (Int32, Double, Long). */
export const DESERIALIZE = { promoteValues: false, validation: { utf8: false } } as const

export class FrameError extends Error {}

export type Request =
  | { kind: 'query'; requestId: number; collection: string; query: Document }
  | { kind: 'msg'; requestId: number; moreToCome: boolean; body: Document }

/** Parses one complete frame (header included). Throws FrameError on anything malformed. */
export function decodeFrame(frame: Buffer): Request {
  if (frame.length < 16) throw new FrameError('frame shorter than its header')
  const requestId = frame.readInt32LE(4)
  const opCode = frame.readInt32LE(12)
  if (opCode === OP_QUERY) return decodeQuery(frame, requestId)
  if (opCode === OP_MSG) return decodeMsg(frame, requestId)
  throw new FrameError(`unsupported opCode ${opCode}`)
}

function readDocument(frame: Buffer, offset: number, end: number): [Document, number] {
  if (offset + 5 > end) throw new FrameError('truncated document')
  const size = frame.readInt32LE(offset)
  if (size < 5 || offset + size > end) throw new FrameError('document length out of bounds')
  try {
    return [BSON.deserialize(frame.subarray(offset, offset + size), DESERIALIZE), offset + size]
  } catch (error) {
    throw new FrameError(`invalid BSON: ${(error as Error).message}`)
  }
}

function readCString(frame: Buffer, offset: number, end: number): [string, number] {
  const zero = frame.indexOf(0, offset)
  if (zero < 0 || zero >= end) throw new FrameError('unterminated string')
  return [frame.toString('utf8', offset, zero), zero + 1]
}

function decodeQuery(frame: Buffer, requestId: number): Request {
  const end = frame.length
  const [collection, afterName] = readCString(frame, 20, end)
  const [query] = readDocument(frame, afterName + 8, end)
  return { kind: 'query', requestId, collection, query }
}

function decodeMsg(frame: Buffer, requestId: number): Request {
  if (frame.length < 21) throw new FrameError('OP_MSG too short')
  const flags = frame.readUInt32LE(16)
  const end = flags & FLAG_CHECKSUM ? frame.length - 4 : frame.length
  let offset = 20
  let body: Document | undefined
  const sequences: Array<[string, Document[]]> = []
  while (offset < end) {
    const kind = frame[offset++]
    if (kind === 0) {
      if (body) throw new FrameError('OP_MSG with two body sections')
      ;[body, offset] = readDocument(frame, offset, end)
    } else if (kind === 1) {
      if (offset + 4 > end) throw new FrameError('truncated document sequence')
      const size = frame.readInt32LE(offset)
      const sectionEnd = offset + size
      if (size < 5 || sectionEnd > end) throw new FrameError('document sequence length out of bounds')
      let [identifier, cursor] = readCString(frame, offset + 4, sectionEnd)
      const documents: Document[] = []
      while (cursor < sectionEnd) {
        let document: Document
        ;[document, cursor] = readDocument(frame, cursor, sectionEnd)
        documents.push(document)
      }
      sequences.push([identifier, documents])
      offset = sectionEnd
    } else {
      throw new FrameError(`unknown OP_MSG section kind ${kind}`)
    }
  }
  if (!body) throw new FrameError('OP_MSG without a body')
  // Kind-1 sections are fields of the command (e.g. `documents` of insert), sent apart to avoid one huge document.
  for (const [identifier, documents] of sequences) body[identifier] = documents
  return { kind: 'msg', requestId, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, body }
}

let nextResponseId = 1

function header(length: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(16)
  buffer.writeInt32LE(length, 0)
  buffer.writeInt32LE(nextResponseId++ & 0x7fffffff, 4)
  buffer.writeInt32LE(responseTo, 8)
  buffer.writeInt32LE(opCode, 12)
  return buffer
}

export function encodeMsg(responseTo: number, body: Document): Buffer {
  const payload = BSON.serialize(body)
  const prefix = Buffer.alloc(5) // flagBits (0) + section kind 0
  return Buffer.concat([header(16 + 5 + payload.length, responseTo, OP_MSG), prefix, payload])
}

export function encodeReply(responseTo: number, document: Document): Buffer {
  const payload = BSON.serialize(document)
  const fields = Buffer.alloc(20)
  fields.writeInt32LE(0, 0) // responseFlags
  fields.writeBigInt64LE(0n, 4) // cursorID
  fields.writeInt32LE(0, 12) // startingFrom
  fields.writeInt32LE(1, 16) // numberReturned
  return Buffer.concat([header(16 + 20 + payload.length, responseTo, OP_REPLY), fields, payload])
}

/** Splits a byte stream into frames; a declared length outside MongoDB's bounds is a protocol error. */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const frames: Buffer[] = []
    while (this.buffered >= 4) {
      if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)]
      const data = this.chunks[0]!
      const length = data.readInt32LE(0)
      if (length < 16 || length > MAX_MESSAGE_SIZE) throw new FrameError(`message length ${length} out of bounds`)
      if (data.length < length) break
      frames.push(data.subarray(0, length))
      const rest = data.subarray(length)
      this.chunks = rest.length ? [rest] : []
      this.buffered = rest.length
    }
    return frames
  }
}

