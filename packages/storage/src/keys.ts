import mime from 'mime-types'
import { StorageError } from './errors.js'

const MAX_KEY_BYTES = 1024
const MAX_EXPIRES_IN = 7 * 24 * 60 * 60
// C0 controls, DEL and C1 controls: invisible in logs and consoles, and mangled by some S3-compatible servers.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/

/** Throws `INVALID_KEY` unless `key` is a key this package will send to S3. */
export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw invalid(key, 'a key must be a non-empty string')
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw invalid(key, `a key must be at most ${MAX_KEY_BYTES} UTF-8 bytes`)
  if (key.startsWith('/')) throw invalid(key, 'a key must not start with "/"')
  if (CONTROL_CHARACTERS.test(key)) throw invalid(key, 'a key must not contain control characters')
  // Backslashes are path separators on Windows-backed servers and after some URL normalisers.
  if (key.includes('\\')) throw invalid(key, 'a key must not contain a backslash ("\\"); use "/" between segments')
  const segments = key.split('/')
  // An empty segment (`a//b`) is a different key from `a/b` that URLs and file-backed servers collapse; a trailing "/"
  // (a folder marker) is fine.
  if (segments.slice(0, -1).includes('')) throw invalid(key, 'a key must not contain an empty segment ("//")')
  for (const segment of segments) {
    // `.` and `..` segments, plain or percent-encoded (`%2e%2e`, `%252e`), let a key built from user input escape its
    // intended prefix once a URL or a file-backed server resolves them.
    const decoded = decodeRepeatedly(segment)
    if (decoded === '.' || decoded === '..') throw invalid(key, `a key must not contain a "${segment}" segment (it resolves to "${decoded}")`)
    if (decoded.includes('\\') || decoded.includes('/')) throw invalid(key, `a key segment must not encode "/" or "\\" ("${segment}")`)
  }
}

/** Percent-decodes until nothing changes (at most a few rounds), so double encoding cannot hide a `..`. */
function decodeRepeatedly(segment: string): string {
  let current = segment
  for (let round = 0; round < 4 && current.includes('%'); round++) {
    let next: string
    try {
      next = decodeURIComponent(current)
    } catch {
      return current
    }
    if (next === current) break
    current = next
  }
  return current
}

function invalid(key: unknown, reason: string): StorageError {
  const shown = typeof key === 'string' ? JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key) : String(key)
  return new StorageError('INVALID_KEY', `Invalid key ${shown}: ${reason}`)
}

/** Throws `INVALID_EXPIRY` unless `expiresIn` is a whole number of seconds S3 accepts for a presigned URL. */
export function assertValidExpiry(expiresIn: unknown): asserts expiresIn is number {
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
    throw new StorageError(
      'INVALID_EXPIRY',
      `expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN} (7 days), got ${String(expiresIn)}`,
    )
  }
}

/** A key as a URL path: each segment percent-encoded, slashes kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
}

/** The content type for a key's extension; `application/octet-stream` when unknown. */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return 'application/octet-stream'
  const type = mime.lookup(name.slice(dot + 1).toLowerCase())
  if (!type) return 'application/octet-stream'
  // Text is served as UTF-8, so a browser does not guess the encoding of a stored page or CSV.
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type
}
