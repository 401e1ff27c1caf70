import { PassThrough, Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { StorageError, type Bucket, type Storage } from '@scraping-run/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getFreePort } from '@scraping-run/test-utils'
import { freshBucket, testStorage } from './helpers.js'

let storage: Storage
let bucket: Bucket

beforeAll(async () => {
  ;({ storage, bucket } = await freshBucket())
})
afterAll(() => storage.destroy())

describe('writeFile / readFile', () => {
  it('round-trips a string, a Buffer, a Uint8Array and a Blob', async () => {
    await bucket.writeFile('rt/string.txt', 'héllo')
    await bucket.writeFile('rt/buffer.bin', Buffer.from([0, 1, 2, 255]))
    await bucket.writeFile('rt/bytes.bin', new Uint8Array([9, 8, 7]))
    await bucket.writeFile('rt/blob.bin', new Blob(['blob ', 'parts']))
    expect(await bucket.readFile('rt/string.txt', { encoding: 'utf8' })).toBe('héllo')
    expect([...(await bucket.readFile('rt/buffer.bin'))]).toEqual([0, 1, 2, 255])
    expect([...(await bucket.readFile('rt/bytes.bin'))]).toEqual([9, 8, 7])
    expect(await bucket.readFile('rt/blob.bin', { encoding: 'utf8' })).toBe('blob parts')
  })

  it('returns a Buffer without an encoding and a string with one', async () => {
    await bucket.writeFile('enc.txt', 'abc')
    const buffer = await bucket.readFile('enc.txt')
    expect(Buffer.isBuffer(buffer)).toBe(true)
    expect(await bucket.readFile('enc.txt', { encoding: 'base64' })).toBe(Buffer.from('abc').toString('base64'))
  })

  it('reads a byte range', async () => {
    await bucket.writeFile('range.txt', '0123456789')
    expect(await bucket.readFile('range.txt', { encoding: 'utf8', range: 'bytes=2-5' })).toBe('2345')
    expect(await bucket.readFile('range.txt', { encoding: 'utf8', range: '7-' })).toBe('789')
  })

  it('returns the ETag and overwrites an existing object', async () => {
    const first = await bucket.writeFile('over.txt', 'one')
    const second = await bucket.writeFile('over.txt', 'two')
    expect(first.etag).toMatch(/^"[0-9a-f]{32}"$/)
    expect(second.etag).not.toBe(first.etag)
    expect(await bucket.readFile('over.txt', { encoding: 'utf8' })).toBe('two')
  })

  it('sets the content type from the extension unless given, plus cache control and metadata', async () => {
    await bucket.writeFile('types/page.html', '<p>')
    await bucket.writeFile('types/photo.JPG', Buffer.from([0xff, 0xd8]))
    await bucket.writeFile('types/no-extension', 'x')
    await bucket.writeFile('types/custom.txt', 'x', {
      contentType: 'application/x-custom',
      cacheControl: 'public, max-age=60',
      metadata: { owner: 'ada', purpose: 'test' },
    })
    expect((await bucket.stat('types/page.html'))?.contentType).toBe('text/html; charset=utf-8')
    expect((await bucket.stat('types/photo.JPG'))?.contentType).toBe('image/jpeg')
    expect((await bucket.stat('types/no-extension'))?.contentType).toBe('application/octet-stream')
    const custom = await bucket.stat('types/custom.txt')
    expect(custom?.contentType).toBe('application/x-custom')
    expect(custom?.metadata).toEqual({ owner: 'ada', purpose: 'test' })
    const response = await fetch(bucket.internalUrl('types/custom.txt'))
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
  })

  it('writes an empty body, from a value and from a stream', async () => {
    await bucket.writeFile('empty/value.txt', '')
    await bucket.writeFile('empty/stream.txt', Readable.from([]))
    expect((await bucket.readFile('empty/value.txt')).length).toBe(0)
    expect((await bucket.stat('empty/stream.txt'))?.size).toBe(0)
  })

  it('writes a small stream of unknown length in one request', async () => {
    const stream = new PassThrough()
    const written = bucket.writeFile('stream/small.txt', stream)
    stream.write('first ')
    stream.end('second')
    await written
    expect(await bucket.readFile('stream/small.txt', { encoding: 'utf8' })).toBe('first second')
  })
})

describe('readStream', () => {
  it('streams the object', async () => {
    await bucket.writeFile('streamed.txt', 'streamed body')
    const stream = await bucket.readStream('streamed.txt')
    expect(stream).toBeInstanceOf(Readable)
    expect(await text(stream)).toBe('streamed body')
  })
})

describe('missing objects', () => {
  it('readFile, readStream and copyFile throw NOT_FOUND; stat is null; exists is false; deleteFile succeeds', async () => {
    for (const attempt of [
      () => bucket.readFile('missing/nothing.txt'),
      () => bucket.readFile('missing/nothing.txt', { encoding: 'utf8' }),
      () => bucket.readStream('missing/nothing.txt'),
      () => bucket.copyFile('missing/nothing.txt', 'missing/copy.txt'),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught)
      expect(StorageError.is(error, 'NOT_FOUND'), String(error)).toBe(true)
      expect((error as StorageError).message).toContain('missing/nothing.txt')
      expect((error as StorageError).cause).toBeDefined()
    }
    expect(await bucket.stat('missing/nothing.txt')).toBeNull()
    expect(await bucket.exists('missing/nothing.txt')).toBe(false)
    // S3 deletes are idempotent: deleting what is not there is not an error.
    await expect(bucket.deleteFile('missing/nothing.txt')).resolves.toBeUndefined()
    await expect(bucket.deleteFiles(['missing/a', 'missing/b'])).resolves.toBeUndefined()
  })

  it('a bucket that does not exist gives NOT_FOUND, also from stat', async () => {
    const ghost = storage.bucket('no-such-bucket-here')
    for (const attempt of [() => ghost.readFile('a.txt'), () => ghost.writeFile('a.txt', 'x'), () => ghost.listFiles()]) {
      const error = await attempt().catch((caught: unknown) => caught)
      expect(StorageError.is(error, 'NOT_FOUND'), String(error)).toBe(true)
    }
    // HEAD has no body, so S3 cannot say which is missing: stat answers null for both.
    expect(await ghost.stat('a.txt')).toBeNull()
  })

  it('an unsatisfiable range is an S3_ERROR carrying the SDK error', async () => {
    await bucket.writeFile('short.txt', 'abc')
    const error = await bucket.readFile('short.txt', { range: 'bytes=100-200' }).catch((caught: unknown) => caught)
    expect(StorageError.is(error, 'S3_ERROR'), String(error)).toBe(true)
    expect((error as StorageError).cause).toMatchObject({ name: expect.any(String) })
  })
})

describe('stat / exists', () => {
  it('reports size, etag, content type, last modified and metadata', async () => {
    const { etag } = await bucket.writeFile('stat/file.json', '{"a":1}', { metadata: { k: 'v' } })
    const stat = await bucket.stat('stat/file.json')
    expect(stat).toEqual({
      size: 7,
      etag,
      contentType: 'application/json',
      lastModified: expect.any(Date),
      metadata: { k: 'v' },
    })
    expect(await bucket.exists('stat/file.json')).toBe(true)
  })
})

describe('deleteFile / deleteFiles', () => {
  it('deletes one and many', async () => {
    await bucket.writeFile('del/one.txt', '1')
    await Promise.all(['a', 'b', 'c'].map((name) => bucket.writeFile(`del/many/${name}`, name)))
    await bucket.deleteFile('del/one.txt')
    expect(await bucket.exists('del/one.txt')).toBe(false)
    await bucket.deleteFiles(['del/many/a', 'del/many/c'])
    expect((await bucket.listFiles({ prefix: 'del/' })).files.map((file) => file.key)).toEqual(['del/many/b'])
    await bucket.deleteFiles([])
  })
})

describe('copyFile', () => {
  it('copies content and metadata, including keys that need URL encoding', async () => {
    // s3rver decodes x-amz-copy-source with decodeURI, so reserved characters (+ ? #) in a source key only work on real S3.
    await bucket.writeFile('copy/src dir/äb (1).txt', 'copied', { metadata: { m: '1' } })
    await bucket.copyFile('copy/src dir/äb (1).txt', 'copy/dest/ü#1.txt')
    expect(await bucket.readFile('copy/dest/ü#1.txt', { encoding: 'utf8' })).toBe('copied')
    const stat = await bucket.stat('copy/dest/ü#1.txt')
    expect(stat?.metadata).toEqual({ m: '1' })
    expect(stat?.contentType).toBe('text/plain; charset=utf-8')
    expect(await bucket.exists('copy/src dir/äb (1).txt')).toBe(true)
  })
})

describe('listFiles', () => {
  it('lists with prefix and delimiter, and pages with limit and cursor', async () => {
    for (const key of ['ls/a.txt', 'ls/b.txt', 'ls/sub/c.txt', 'ls/sub/deeper/d.txt', 'ls/z/e.txt']) await bucket.writeFile(key, key)
    const top = await bucket.listFiles({ prefix: 'ls/', delimiter: '/' })
    expect(top.files.map((file) => file.key)).toEqual(['ls/a.txt', 'ls/b.txt'])
    expect(top.prefixes).toEqual(['ls/sub/', 'ls/z/'])
    expect(top.nextCursor).toBeUndefined()
    expect(top.files[0]).toEqual({ key: 'ls/a.txt', size: 8, etag: expect.stringMatching(/^"/), lastModified: expect.any(Date) })

    const first = await bucket.listFiles({ prefix: 'ls/', limit: 2 })
    expect(first.files.map((file) => file.key)).toEqual(['ls/a.txt', 'ls/b.txt'])
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await bucket.listFiles({ prefix: 'ls/', limit: 10, cursor: first.nextCursor })
    expect(second.files.map((file) => file.key)).toEqual(['ls/sub/c.txt', 'ls/sub/deeper/d.txt', 'ls/z/e.txt'])
    expect(second.nextCursor).toBeUndefined()
  })

  it('returns nothing for an unused prefix and refuses a limit under 1', async () => {
    expect(await bucket.listFiles({ prefix: 'nothing-here/' })).toEqual({ files: [], prefixes: [], nextCursor: undefined })
    await expect(bucket.listFiles({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
  })

  it('listAll yields every file under a prefix', async () => {
    const keys: string[] = []
    for await (const file of bucket.listAll({ prefix: 'ls/sub/' })) keys.push(file.key)
    expect(keys).toEqual(['ls/sub/c.txt', 'ls/sub/deeper/d.txt'])
  })
})

describe('internalUrl / externalUrl', () => {
  it('are path-style URLs on the endpoints, and the internal one serves the object', async () => {
    await bucket.writeFile('url/a b.txt', 'by url')
    const url = bucket.internalUrl('url/a b.txt')
    expect(url.endsWith(`/${bucket.name}/url/a%20b.txt`)).toBe(true)
    expect(bucket.externalUrl('url/a b.txt')).toBe(url)
    const response = await fetch(url)
    expect(await response.text()).toBe('by url')
  })
})

describe('error mapping', () => {
  it('an unknown access key is ACCESS_DENIED, from every kind of call, with the SDK error as cause', async () => {
    const intruder = testStorage({ credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'nope' } })
    const theirs = intruder.bucket(bucket.name)
    for (const attempt of [
      () => theirs.readFile('rt/string.txt'),
      () => theirs.writeFile('intruder.txt', 'x'),
      () => theirs.stat('rt/string.txt'),
      () => theirs.exists('rt/string.txt'),
      () => theirs.listFiles(),
      () => theirs.deleteFiles(['rt/string.txt']),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught)
      expect(StorageError.is(error, 'ACCESS_DENIED'), String(error)).toBe(true)
      // HEAD answers carry no body, so stat and exists only see the 403.
      expect((error as StorageError).cause).toMatchObject({ $metadata: { httpStatusCode: 403 } })
    }
    intruder.destroy()
  })

  it('an unreachable server is S3_ERROR with the network error as cause', async () => {
    const port = await getFreePort()
    const nowhere = testStorage({ endpoint: `http://127.0.0.1:${port}` })
    const error = await nowhere.bucket('b').readFile('a.txt').catch((caught: unknown) => caught)
    expect(StorageError.is(error, 'S3_ERROR'), String(error)).toBe(true)
    expect((error as StorageError).cause).toMatchObject({ code: 'ECONNREFUSED' })
    nowhere.destroy()
  })
})
