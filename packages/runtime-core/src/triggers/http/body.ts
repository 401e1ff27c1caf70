import type { IncomingMessage } from 'node:http'
import busboy from 'busboy'
import type { UploadedFile } from '@scraping-run/cloud'
import { readRawBody, type BodyErrorFactory } from '@scraping-run/cloud/http'
import { RuntimeError } from '../../errors.js'

export interface ParsedBody {
  body: unknown
  files?: UploadedFile[]
  /** The bytes as received (not for multipart, which is streamed into files). */
  raw?: Uint8Array
}

/** `'10mb'`, `'256kb'`, `1024` → bytes. */
export function parseBytes(limit: string | number): number {
  if (typeof limit === 'number') return limit
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit)
  if (!match) throw new RuntimeError('BAD_REQUEST', `bodyLimit ${JSON.stringify(limit)} is not a size such as "10mb"`)
  const unit = (match[2] ?? 'b').toLowerCase()
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1
  return Math.floor(Number(match[1]) * factor)
}

// One reader for the runtime and the database proxy (in @scraping-run/cloud/http); errors are ours.
const bodyError: BodyErrorFactory = (kind, message, cause) => new RuntimeError(kind, message, { cause })

function tooLarge(limit: number): RuntimeError {
  return new RuntimeError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limit} bytes`)
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
}

/**
 * Reads the body the way the host did not: JSON, urlencoded, text, raw bytes, multipart (files → `files`).
 * A body a host middleware already parsed (express.json() in front) is used as is.
 */
export async function readBody(req: IncomingMessage & { body?: unknown; _body?: boolean }, limit: number): Promise<ParsedBody> {
  if (req._body || req.readableEnded) return { body: req.body }
  if (!hasBody(req)) return { body: undefined }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  if (type.startsWith('multipart/form-data')) return readMultipart(req, limit)
  const raw = await readRawBody(req, limit, bodyError)
  const mime = type.split(';')[0]!.trim()
  if (mime === 'application/json' || mime.endsWith('+json')) {
    if (raw.length === 0) return { body: undefined, raw }
    try {
      return { body: JSON.parse(raw.toString('utf8')), raw }
    } catch (error) {
      throw new RuntimeError('BAD_REQUEST', `malformed JSON body: ${(error as Error).message}`, { cause: error })
    }
  }
  if (mime === 'application/x-www-form-urlencoded') return { body: formToObject(new URLSearchParams(raw.toString('utf8'))), raw }
  if (mime.startsWith('text/') || mime === 'application/xml') return { body: raw.toString('utf8'), raw }
  return { body: raw, raw }
}

function formToObject(entries: Iterable<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null)
  for (const [key, value] of entries) {
    const existing = out[key]
    if (existing === undefined) out[key] = value
    else if (Array.isArray(existing)) existing.push(value)
    else out[key] = [existing, value]
  }
  return { ...out }
}

function readMultipart(req: IncomingMessage, limit: number): Promise<ParsedBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limit, fieldSize: limit } })
    } catch (error) {
      reject(new RuntimeError('BAD_REQUEST', `malformed multipart body: ${(error as Error).message}`, { cause: error }))
      return
    }
    const fields: Array<[string, string]> = []
    const files: UploadedFile[] = []
    let total = 0
    let failed = false
    const fail = (error: RuntimeError) => {
      if (failed) return
      failed = true
      req.unpipe(parser)
      req.resume()
      reject(error)
    }
    parser.on('field', (name, value) => {
      total += value.length
      if (total > limit) fail(tooLarge(limit))
      else fields.push([name, value])
    })
    parser.on('file', (fieldname, stream, info) => {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length
        if (total > limit) fail(tooLarge(limit))
        else chunks.push(chunk)
      })
      stream.on('limit', () => fail(tooLarge(limit)))
      stream.on('end', () => {
        const buffer = Buffer.concat(chunks)
        files.push({ fieldname, originalname: info.filename ?? '', mimetype: info.mimeType, encoding: info.encoding, size: buffer.length, buffer })
      })
    })
    parser.on('error', (error: Error) => fail(new RuntimeError('BAD_REQUEST', `malformed multipart body: ${error.message}`, { cause: error })))
    parser.on('close', () => {
      if (!failed) resolve({ body: formToObject(fields), files })
    })
    req.pipe(parser)
  })
}
