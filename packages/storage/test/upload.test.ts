import { createHash, randomBytes } from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import { StorageError, type Bucket, type Storage } from '@scraping-run/storage'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freshBucket, recordCommands } from './helpers.js'

const MiB = 1024 * 1024
let storage: Storage
let bucket: Bucket
// The commands the client really sent, recorded by a middleware (s3rver's ETags do not tell multipart from single puts).
let sent: string[]

beforeAll(async () => {
  // The smallest part size S3 allows, so multipart paths are reached with little data.
  ;({ storage, bucket } = await freshBucket({ partSize: 5 * MiB }))
  sent = recordCommands(storage)
})
beforeEach(() => {
  sent.length = 0
})
afterAll(() => storage.destroy())

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** Yields `data` in pieces of uneven sizes, as a network or file stream would. */
function unevenStream(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      let offset = 0
      for (let step = 1; offset < data.length; step++) {
        const size = ((step * 7919) % 300_000) + 1
        yield data.subarray(offset, offset + size)
        offset += size
      }
    })(),
  )
}

describe('streamed uploads', () => {
  it('stores a 12 MiB stream of unknown length byte-exact, as a multipart upload', async () => {
    const data = randomBytes(12 * MiB + 12_345)
    await bucket.writeFile('big/stream.bin', unevenStream(data))
    expect(sent).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ])
    const back = await bucket.readFile('big/stream.bin')
    expect(back.length).toBe(data.length)
    expect(sha256(back)).toBe(sha256(data))
  })

  it('keeps at most four parts in flight and reads the source only as far as it sends', async () => {
    let inFlight = 0
    let maxInFlight = 0
    let produced = 0
    const readAhead: number[] = []
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args)
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        readAhead.push(produced - sent.filter((name) => name === 'UploadPartCommand').length * 5 * MiB)
        try {
          return await next(args)
        } finally {
          inFlight--
        }
      },
      { step: 'initialize', name: 'countPartsInFlight' },
    )
    try {
      const source = Readable.from(
        (async function* () {
          for (let i = 0; i < 40; i++) {
            produced += MiB
            yield Buffer.alloc(MiB, i)
          }
        })(),
      )
      await bucket.writeFile('big/forty.bin', source)
    } finally {
      storage.client.middlewareStack.remove('countPartsInFlight')
    }
    expect(sent.filter((name) => name === 'UploadPartCommand')).toHaveLength(8)
    expect(maxInFlight).toBeGreaterThan(1)
    expect(maxInFlight).toBeLessThanOrEqual(4)
    // Bytes read but not yet handed to a part: never more than the next part being filled plus one chunk of the source.
    expect(Math.max(...readAhead)).toBeLessThanOrEqual(5 * MiB + MiB)
    expect((await bucket.stat('big/forty.bin'))?.size).toBe(40 * MiB)
  })

  it('stores a stream of exactly one part in a single request', async () => {
    const data = randomBytes(5 * MiB)
    await bucket.writeFile('big/one-part.bin', unevenStream(data))
    expect(sent).toEqual(['PutObjectCommand'])
    expect(sha256(await bucket.readFile('big/one-part.bin'))).toBe(sha256(data))
  })

  it('stores strings written to a PassThrough, with the extension content type', async () => {
    const stream = new PassThrough()
    const done = bucket.writeFile('big/log.txt', stream)
    for (let i = 0; i < 1000; i++) stream.write(`line ${i}\n`)
    stream.end()
    await done
    const text = await bucket.readFile('big/log.txt', { encoding: 'utf8' })
    expect(text.split('\n')).toHaveLength(1001)
    expect((await bucket.stat('big/log.txt'))?.contentType).toBe('text/plain; charset=utf-8')
  })

  it('stores a Blob larger than a part through the multipart path', async () => {
    const data = randomBytes(6 * MiB)
    await bucket.writeFile('big/blob.bin', new Blob([data]))
    expect(sent.filter((name) => name === 'UploadPartCommand')).toHaveLength(2)
    expect(sha256(await bucket.readFile('big/blob.bin'))).toBe(sha256(data))
  })

  it('passes on the error of a source stream that fails before a second part, sending nothing', async () => {
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(3 * MiB)
        throw new Error('source broke early')
      })(),
    )
    // The source's own error, untouched: it is the caller's, not a storage failure.
    await expect(bucket.writeFile('big/failed-early.bin', failing)).rejects.toThrow(new Error('source broke early'))
    expect(sent).toEqual([])
  })

  it('aborts the multipart upload when the source fails later, and passes its error on', async () => {
    const failing = Readable.from(
      (async function* () {
        for (let i = 0; i < 11; i++) yield randomBytes(MiB)
        throw new Error('source broke late')
      })(),
    )
    const error = await bucket.writeFile('big/failed-late.bin', failing).catch((caught: unknown) => caught)
    expect(StorageError.is(error)).toBe(false)
    expect(error).toEqual(new Error('source broke late'))
    expect(sent[0]).toBe('CreateMultipartUploadCommand')
    expect(sent).toContain('AbortMultipartUploadCommand')
    expect(sent).not.toContain('CompleteMultipartUploadCommand')
    expect(await bucket.exists('big/failed-late.bin')).toBe(false)
  })

  it('maps a failing multipart upload to a StorageError (bucket gone)', async () => {
    const ghost = storage.bucket('no-such-bucket-for-upload')
    const error = await ghost.writeFile('x.bin', unevenStream(randomBytes(11 * MiB))).catch((caught: unknown) => caught)
    expect(StorageError.is(error, 'NOT_FOUND'), String(error)).toBe(true)
  })
})

describe('large files', () => {
  it('round-trips 10 MiB from a Buffer, whole and by stream and by range', async () => {
    const data = randomBytes(10 * MiB)
    await bucket.writeFile('big/ten.bin', data)
    expect((await bucket.stat('big/ten.bin'))?.size).toBe(10 * MiB)
    expect(sha256(await bucket.readFile('big/ten.bin'))).toBe(sha256(data))
    const chunks: Buffer[] = []
    for await (const chunk of await bucket.readStream('big/ten.bin')) chunks.push(chunk as Buffer)
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(data))
    const range = await bucket.readFile('big/ten.bin', { range: `bytes=${5 * MiB}-${5 * MiB + 99}` })
    expect(range.equals(data.subarray(5 * MiB, 5 * MiB + 100))).toBe(true)
  })
})
