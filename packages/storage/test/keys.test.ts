import { StorageError, type Bucket, type Storage } from '@scraping-run/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentTypeFor, encodeKey } from '../src/keys.js'
import { freshBucket, recordCommands } from './helpers.js'

let storage: Storage
let bucket: Bucket
let sent: string[]

beforeAll(async () => {
  ;({ storage, bucket } = await freshBucket())
  sent = recordCommands(storage)
})
afterAll(() => storage.destroy())

const invalidKeys: Array<[string, unknown]> = [
  ['empty', ''],
  ['not a string', 42],
  ['over 1,024 UTF-8 bytes', 'é'.repeat(513)],
  ['a leading slash', '/etc/passwd'],
  ['a ".." segment', 'a/../b'],
  ['only ".."', '..'],
  ['a trailing ".." segment', 'a/..'],
  ['a NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a tab', 'a\tb'],
  ['DEL', 'a\u007fb'],
  ['a C1 control', 'a\u0085b'],
  ['a "." segment', 'a/./b'],
  ['a leading "." segment', './a'],
  ['a percent-encoded ".." segment', '%2e%2e/x'],
  ['a percent-encoded ".." segment, mixed case', 'a/%2E./x'],
  ['a double-encoded ".." segment', '%252e%252e/x'],
  ['a percent-encoded "." segment', 'a/%2e/b'],
  ['a backslash ".." segment', '..\\x'],
  ['a backslash inside a segment', 'a\\b'],
  ['a percent-encoded backslash', 'a/%5c../b'],
  ['an empty segment', 'a//b'],
  ['empty segments before a trailing "/"', 'a///'],
]

// Every method that takes a key, called with `key` in each key position.
const calls: Array<[string, (key: string) => Promise<unknown>]> = [
  ['readFile', (key) => bucket.readFile(key)],
  ['readStream', (key) => bucket.readStream(key)],
  ['writeFile', (key) => bucket.writeFile(key, 'x')],
  ['deleteFile', (key) => bucket.deleteFile(key)],
  ['deleteFiles', (key) => bucket.deleteFiles(['fine.txt', key])],
  ['exists', (key) => bucket.exists(key)],
  ['stat', (key) => bucket.stat(key)],
  ['copyFile (from)', (key) => bucket.copyFile(key, 'fine.txt')],
  ['copyFile (to)', (key) => bucket.copyFile('fine.txt', key)],
  ['externalUrl', async (key) => bucket.externalUrl(key)],
  ['internalUrl', async (key) => bucket.internalUrl(key)],
  ['getUploadUrl', (key) => bucket.getUploadUrl(key)],
  ['getDownloadUrl', (key) => bucket.getDownloadUrl(key)],
]

describe('invalid keys', () => {
  it.each(invalidKeys)('%s is refused with INVALID_KEY by every method, before any request', async (_, key) => {
    sent.length = 0
    for (const [method, call] of calls) {
      const error = await call(key as string).catch((caught: unknown) => caught)
      expect(StorageError.is(error, 'INVALID_KEY'), `${method}: ${String(error)}`).toBe(true)
    }
    expect(sent).toEqual([])
  })

  it('accepts what S3 accepts: 1,024 bytes exactly, dots inside names, unicode, spaces and punctuation', async () => {
    // s3rver keeps each key segment as a file name (255 bytes at most, with a suffix), so the long keys come in segments.
    const long = (unit: string, units: number) => Array.from({ length: 5 }, () => unit.repeat(units)).join('/')
    const keys = [long('x', 204), long('é', 102), 'a/..b/c..', '.a/b.', '100%.txt', '...', 'über ünïcødé/😀.txt', "odd !$&'()*+,;=@ [].txt", 'trailing/']
    expect(keys.slice(0, 2).map((key) => Buffer.byteLength(key))).toEqual([1024, 1024])
    for (const key of keys) {
      await bucket.writeFile(key, key)
      expect(await bucket.readFile(key, { encoding: 'utf8' })).toBe(key)
    }
  })
})

describe('encodeKey', () => {
  it('percent-encodes each segment and keeps the slashes', () => {
    expect(encodeKey("a b/c+d/é!'()*.txt")).toBe('a%20b/c%2Bd/%C3%A9%21%27%28%29%2A.txt')
  })
})

describe('contentTypeFor', () => {
  it('maps extensions case-insensitively and falls back to application/octet-stream', () => {
    expect(contentTypeFor('a/b/index.HTML')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('x.json')).toBe('application/json')
    expect(contentTypeFor('x.tar.gz')).toBe('application/gzip')
    expect(contentTypeFor('.gitignore')).toBe('application/octet-stream')
    expect(contentTypeFor('dir.v2/README')).toBe('application/octet-stream')
    expect(contentTypeFor('x.unknownext')).toBe('application/octet-stream')
  })

  it('knows the types of the maintained mime-types table, not only a short list', () => {
    expect(contentTypeFor('slides.pptx')).toBe('application/vnd.openxmlformats-officedocument.presentationml.presentation')
    expect(contentTypeFor('book.epub')).toBe('application/epub+zip')
    expect(contentTypeFor('clip.mov')).toBe('video/quicktime')
    expect(contentTypeFor('notes.ics')).toBe('text/calendar; charset=utf-8')
    expect(contentTypeFor('data.csv')).toBe('text/csv; charset=utf-8')
  })
})
