import { RuntimeError } from '../../errors.js'

/** A message as `ctx.body`: text (JSON-parsed when it parses), or bytes for a binary frame. */
export function decodeMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): unknown {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
  if (isBinary) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const text = buffer.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A message ready for any number of sockets: encoded once (a broadcast does not re-encode its text per client). */
export interface Encoded {
  data: Uint8Array
  binary: boolean
}

const TEXT = { binary: false } as const
const BINARY = { binary: true } as const

/** The `ws.send` options of a message (shared objects: a broadcast allocates none per client). */
export function sendOptions(message: Encoded): { binary: boolean } {
  return message.binary ? BINARY : TEXT
}

/** What crosses to the socket: a string as a text frame, bytes as a binary frame, anything else as its JSON text. */
export function encodeMessage(data: unknown): Encoded {
  const encoded = encodeValue(data)
  return typeof encoded.data === 'string' ? { data: Buffer.from(encoded.data, 'utf8'), binary: false } : (encoded as Encoded)
}

function encodeValue(data: unknown): { data: string | Uint8Array; binary: boolean } {
  if (typeof data === 'string') return { data, binary: false }
  if (data instanceof Uint8Array) return { data, binary: true }
  if (data instanceof ArrayBuffer) return { data: new Uint8Array(data), binary: true }
  if (ArrayBuffer.isView(data)) return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), binary: true }
  let text: string | undefined
  try {
    text = JSON.stringify(data)
  } catch (error) {
    throw new RuntimeError('BAD_REQUEST', `a WebSocket message must be text, bytes or JSON: ${(error as Error).message}`, { cause: error })
  }
  if (text === undefined) throw new RuntimeError('BAD_REQUEST', `a WebSocket message must be text, bytes or JSON, not ${typeof data}`)
  return { data: text, binary: false }
}
