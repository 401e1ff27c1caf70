import type { Readable } from 'node:stream'
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3'
import { s3Sdk } from './peer.js'

/** S3 refuses parts under 5 MiB (except the last), so that is the floor for `partSize`. */
export const MIN_PART_SIZE = 5 * 1024 * 1024
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024
const MAX_PARTS = 10_000
const PARTS_IN_FLIGHT = 4

type ObjectParams = Omit<PutObjectCommandInput, 'Body' | 'ContentLength'>

/**
 * Uploads a stream of unknown length. A stream that fits in one part becomes a single PutObject (S3-compatible servers
 * handle that best); a longer one becomes a multipart upload with up to four parts in flight, reading the source only
 * as fast as parts are sent. Returns the ETag. S3 failures go through `mapError`; the source's own error is rethrown as
 * it is, because it belongs to the caller (a file that could not be read is not a storage error).
 */
export async function uploadStream(
  client: S3Client,
  params: ObjectParams,
  source: AsyncIterable<unknown>,
  partSize: number,
  mapError: (error: unknown) => Error,
): Promise<string | undefined> {
  const sdk = s3Sdk()
  const s3 = <T>(request: Promise<T>): Promise<T> =>
    request.catch((error: unknown) => {
      throw mapError(error)
    })
  const parts = chunk(source, partSize)[Symbol.asyncIterator]()
  const first = await parts.next()
  const second = first.done ? first : await parts.next()
  if (second.done) {
    const body = first.done ? Buffer.alloc(0) : first.value
    const output = await s3(client.send(new sdk.PutObjectCommand({ ...params, Body: body, ContentLength: body.length })))
    return output.ETag
  }

  const { UploadId } = await s3(client.send(new sdk.CreateMultipartUploadCommand(params)))
  const completed: Array<{ PartNumber: number; ETag?: string }> = []
  const inFlight = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  let partNumber = 0
  const send = (body: Buffer) => {
    const number = ++partNumber
    if (number > MAX_PARTS) throw new RangeError(`the stream needs more than ${MAX_PARTS} parts; raise partSize`)
    const upload = s3(client.send(new sdk.UploadPartCommand({ Bucket: params.Bucket, Key: params.Key, UploadId, PartNumber: number, Body: body })))
      .then(
        (output) => void completed.push({ PartNumber: number, ETag: output.ETag }),
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => inFlight.delete(upload))
    inFlight.add(upload)
  }

  try {
    send(first.value)
    send(second.value)
    for (let next = await parts.next(); !next.done && !failure; next = await parts.next()) {
      send(next.value)
      while (inFlight.size >= PARTS_IN_FLIGHT && !failure) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
    if (failure) throw failure.error
    completed.sort((a, b) => a.PartNumber - b.PartNumber)
    const output = await s3(
      client.send(
        new sdk.CompleteMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId, MultipartUpload: { Parts: completed } }),
      ),
    )
    return output.ETag
  } catch (error) {
    await parts.return?.(undefined)
    await Promise.allSettled(inFlight)
    // Best effort: some S3-compatible servers (s3rver) do not implement abort, and the original error matters more.
    await client
      .send(new sdk.AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId }))
      .catch(() => undefined)
    throw error
  }
}

/** Re-cuts a byte stream into buffers of exactly `size` bytes (the last may be shorter, and is never empty). */
async function* chunk(source: AsyncIterable<unknown>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  for await (const piece of source) {
    const buffer = toBuffer(piece)
    pending.push(buffer)
    pendingBytes += buffer.length
    while (pendingBytes >= size) {
      const joined = Buffer.concat(pending, pendingBytes)
      yield joined.subarray(0, size)
      pending = pendingBytes > size ? [joined.subarray(size)] : []
      pendingBytes -= size
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes)
}

function toBuffer(piece: unknown): Buffer {
  if (Buffer.isBuffer(piece)) return piece
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8')
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
  throw new TypeError(`writeFile: a stream body must yield bytes or strings, got ${typeof piece}`)
}

/** True for a Node readable stream (from any copy of `stream`), without importing one to compare against. */
export function isNodeReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable).pipe === 'function' &&
    typeof (value as Readable)[Symbol.asyncIterator] === 'function'
  )
}
