import { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import type { CloudBucket, FileBody, FileEntry, FileStat, ListFilesOptions, ListFilesResult, WriteFileOptions } from '@scraping-run/cloud'
import { StorageError, toStorageError } from './errors.js'
import { assertValidExpiry, assertValidKey, contentTypeFor } from './keys.js'
import { presignerSdk, s3Sdk } from './peer.js'
import { isNodeReadable, uploadStream } from './upload.js'

/** One bucket. Every key is validated before a request is made (`INVALID_KEY`); failures are `StorageError`s. */
export interface Bucket extends CloudBucket {
  /** The bucket name sent to S3, including the storage's `bucketPrefix`. */
  readonly name: string
}

/** What a bucket needs from the storage that made it. */
export interface BucketContext {
  client(): S3Client
  /** The client presigned URLs are signed with: it addresses the external endpoint, because the host is signed. */
  signer(): Promise<S3Client>
  partSize: number
  objectUrl(external: boolean, bucket: string, key: string): string
}

const DEFAULT_EXPIRES_IN = 3600
const DELETE_BATCH = 1000
const MAX_LIST_LIMIT = 1000

export function createBucket(name: string, context: BucketContext): Bucket {
  const where = (key: string) => `${name}/${key}`
  const run = async <T>(operation: string, what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action()
    } catch (error) {
      throw toStorageError(error, operation, what)
    }
  }

  async function getObject(operation: string, key: string, range?: string) {
    assertValidKey(key)
    const sdk = s3Sdk()
    const Range = range === undefined ? undefined : range.startsWith('bytes=') ? range : `bytes=${range}`
    return run(operation, where(key), () => context.client().send(new sdk.GetObjectCommand({ Bucket: name, Key: key, Range })))
  }

  async function stat(key: string): Promise<FileStat | null> {
    assertValidKey(key)
    const sdk = s3Sdk()
    try {
      const head = await context.client().send(new sdk.HeadObjectCommand({ Bucket: name, Key: key }))
      return {
        size: head.ContentLength ?? 0,
        etag: head.ETag,
        contentType: head.ContentType,
        lastModified: head.LastModified,
        metadata: head.Metadata ?? {},
      }
    } catch (error) {
      const mapped = toStorageError(error, 'stat', where(key))
      // A missing object is an answer here, not an error. A HEAD answer has no body, so a missing bucket looks the same.
      if (mapped.code === 'NOT_FOUND') return null
      throw mapped
    }
  }

  async function readFile(key: string, options?: { range?: string }): Promise<Buffer>
  async function readFile(key: string, options: { encoding: BufferEncoding; range?: string }): Promise<string>
  async function readFile(key: string, options: { encoding?: BufferEncoding; range?: string } = {}): Promise<Buffer | string> {
    const output = await getObject('readFile', key, options.range)
    const bytes = await run('readFile', where(key), () => output.Body!.transformToByteArray())
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    return options.encoding ? buffer.toString(options.encoding) : buffer
  }

  const bucket: Bucket = {
    name,
    readFile,

    async readStream(key) {
      const output = await getObject('readStream', key)
      return output.Body as Readable
    },

    async writeFile(key: string, body: FileBody, options: WriteFileOptions = {}) {
      assertValidKey(key)
      const sdk = s3Sdk()
      const params = {
        Bucket: name,
        Key: key,
        ContentType: options.contentType ?? contentTypeFor(key),
        CacheControl: options.cacheControl,
        Metadata: options.metadata,
      }
      const mapError = (error: unknown) => toStorageError(error, 'writeFile', where(key))
      if (isNodeReadable(body)) {
        return { etag: await uploadStream(context.client(), params, body, context.partSize, mapError) }
      }
      if (body instanceof Blob && body.size > context.partSize) {
        const stream = Readable.fromWeb(body.stream() as never)
        return { etag: await uploadStream(context.client(), params, stream, context.partSize, mapError) }
      }
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body instanceof Blob ? Buffer.from(await body.arrayBuffer()) : body
      // An explicit length, also for empty bodies, which the SDK would otherwise mistake for a stream of unknown length.
      const input = { ...params, Body: bytes, ContentLength: bytes.byteLength }
      const output = await run('writeFile', where(key), () => context.client().send(new sdk.PutObjectCommand(input)))
      return { etag: output.ETag }
    },

    async deleteFile(key) {
      assertValidKey(key)
      const sdk = s3Sdk()
      await run('deleteFile', where(key), () => context.client().send(new sdk.DeleteObjectCommand({ Bucket: name, Key: key })))
    },

    async deleteFiles(keys) {
      for (const key of keys) assertValidKey(key)
      const sdk = s3Sdk()
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH)
        const output = await run('deleteFiles', `${batch.length} keys in ${name}`, () =>
          context.client().send(
            new sdk.DeleteObjectsCommand({ Bucket: name, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
          ),
        )
        // DeleteObjects answers 200 even when single keys fail; surface those instead of losing them.
        const failed = output.Errors ?? []
        if (failed.length > 0) {
          const first = failed[0]!
          const denied = failed.every((entry) => entry.Code === 'AccessDenied')
          throw new StorageError(
            denied ? 'ACCESS_DENIED' : 'S3_ERROR',
            `deleteFiles: ${failed.length} of ${batch.length} keys in ${name} were not deleted (first: ${first.Key}: ${first.Code} ${first.Message ?? ''})`.trim(),
            { cause: failed },
          )
        }
      }
    },

    async exists(key) {
      return (await stat(key)) !== null
    },

    stat,

    async copyFile(from, to) {
      assertValidKey(from)
      assertValidKey(to)
      const sdk = s3Sdk()
      // CopySource is "bucket/key" with the key URL-encoded, as S3 expects it in the x-amz-copy-source header.
      const CopySource = `${name}/${encodeURIComponent(from).replace(/%2F/g, '/')}`
      await run('copyFile', `${where(from)} -> ${to}`, () =>
        context.client().send(new sdk.CopyObjectCommand({ Bucket: name, Key: to, CopySource, MetadataDirective: 'COPY' })),
      )
    },

    async listFiles(options: ListFilesOptions = {}): Promise<ListFilesResult> {
      const sdk = s3Sdk()
      const limit = options.limit === undefined ? MAX_LIST_LIMIT : Math.floor(options.limit)
      if (!(limit >= 1)) throw new StorageError('INVALID_CONFIG', `listFiles: limit must be at least 1, got ${String(options.limit)}`)
      const output = await run('listFiles', `${name}/${options.prefix ?? ''}*`, () =>
        context.client().send(
          new sdk.ListObjectsV2Command({
            Bucket: name,
            Prefix: options.prefix || undefined,
            Delimiter: options.delimiter || undefined,
            // S3 never returns more than 1,000 keys a page; asking for more is not an error, just capped.
            MaxKeys: Math.min(limit, MAX_LIST_LIMIT),
            ContinuationToken: options.cursor || undefined,
          }),
        ),
      )
      const files: FileEntry[] = (output.Contents ?? []).map((object) => ({
        key: object.Key!,
        size: object.Size ?? 0,
        etag: object.ETag,
        lastModified: object.LastModified,
      }))
      const prefixes = (output.CommonPrefixes ?? []).map((entry) => entry.Prefix!).filter(Boolean)
      return { files, prefixes, nextCursor: output.IsTruncated ? output.NextContinuationToken : undefined }
    },

    async *listAll(options: { prefix?: string } = {}) {
      let cursor: string | undefined
      do {
        const page = await bucket.listFiles({ prefix: options.prefix, cursor })
        yield* page.files
        cursor = page.nextCursor
      } while (cursor)
    },

    externalUrl(key) {
      assertValidKey(key)
      return context.objectUrl(true, name, key)
    },

    internalUrl(key) {
      assertValidKey(key)
      return context.objectUrl(false, name, key)
    },

    async getUploadUrl(key, options = {}) {
      assertValidKey(key)
      const expiresIn = options.expiresIn ?? DEFAULT_EXPIRES_IN
      assertValidExpiry(expiresIn)
      const sdk = s3Sdk()
      const command = new sdk.PutObjectCommand({ Bucket: name, Key: key, ContentType: options.contentType })
      // The presigner hoists Content-Type into the query unless it is named here: only a signed header binds the uploader.
      const signableHeaders = options.contentType === undefined ? undefined : new Set(['content-type'])
      return run('getUploadUrl', where(key), async () => presignerSdk().getSignedUrl(await context.signer(), command, { expiresIn, signableHeaders }))
    },

    async getDownloadUrl(key, options = {}) {
      assertValidKey(key)
      const expiresIn = options.expiresIn ?? DEFAULT_EXPIRES_IN
      assertValidExpiry(expiresIn)
      const sdk = s3Sdk()
      const command = new sdk.GetObjectCommand({
        Bucket: name,
        Key: key,
        ResponseContentDisposition: options.filename === undefined ? undefined : contentDisposition(options.filename),
      })
      return run('getDownloadUrl', where(key), async () => presignerSdk().getSignedUrl(await context.signer(), command, { expiresIn }))
    },
  }
  return bucket
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987), so every browser saves it. */
function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}
