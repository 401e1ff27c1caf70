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
  // `..` segments let a key built from user input escape its intended prefix in URLs and on file-backed servers.
  if (key.split('/').includes('..')) throw invalid(key, 'a key must not contain a ".." segment')
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

const TYPES: Record<string, string> = {
  avif: 'image/avif',
  bmp: 'image/bmp',
  css: 'text/css; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  gif: 'image/gif',
  gz: 'application/gzip',
  htm: 'text/html; charset=utf-8',
  html: 'text/html; charset=utf-8',
  ico: 'image/vnd.microsoft.icon',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  md: 'text/markdown; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  ogg: 'audio/ogg',
  otf: 'font/otf',
  pdf: 'application/pdf',
  png: 'image/png',
  svg: 'image/svg+xml',
  tar: 'application/x-tar',
  ttf: 'font/ttf',
  txt: 'text/plain; charset=utf-8',
  wasm: 'application/wasm',
  wav: 'audio/wav',
  webm: 'video/webm',
  webp: 'image/webp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  zip: 'application/zip',
}

/** The content type for a key's extension; `application/octet-stream` when unknown. */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return 'application/octet-stream'
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream'
}
