// Compile-time checks of the public types (run by `tsc --noEmit`, the package's typecheck).
import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import type { CloudBucket, CloudStorage, FileEntry, FileStat, ListFilesResult } from '@scraping-run/cloud'
import { createStorage, storageFromEnv, StorageError, type Bucket, type Storage, type StorageErrorCode } from '@scraping-run/storage'
import { expectTypeOf } from 'vitest'

const storage = createStorage()
expectTypeOf(storage).toExtend<CloudStorage>()
expectTypeOf(storageFromEnv()).toEqualTypeOf<Storage>()
expectTypeOf(storage.client).toEqualTypeOf<S3Client>()

const bucket = storage.bucket('b')
expectTypeOf(bucket).toEqualTypeOf<Bucket>()
expectTypeOf(bucket).toExtend<CloudBucket>()
expectTypeOf(bucket.readFile('k')).resolves.toEqualTypeOf<Buffer>()
expectTypeOf(bucket.readFile('k', { range: 'bytes=0-1' })).resolves.toEqualTypeOf<Buffer>()
expectTypeOf(bucket.readFile('k', { encoding: 'utf8' })).resolves.toEqualTypeOf<string>()
expectTypeOf(bucket.readStream('k')).resolves.toEqualTypeOf<Readable>()
expectTypeOf(bucket.stat('k')).resolves.toEqualTypeOf<FileStat | null>()
expectTypeOf(bucket.listFiles()).resolves.toEqualTypeOf<ListFilesResult>()
expectTypeOf(bucket.listAll()).toEqualTypeOf<AsyncIterable<FileEntry>>()
expectTypeOf(bucket.writeFile('k', new Blob(['x']))).resolves.toEqualTypeOf<{ etag?: string }>()

// @ts-expect-error numbers are not bodies
void bucket.writeFile('k', 42)
// @ts-expect-error the checksum modes are a closed set
createStorage({ requestChecksumCalculation: 'ALWAYS' })

expectTypeOf<StorageError['code']>().toEqualTypeOf<StorageErrorCode>()
expectTypeOf<StorageErrorCode>().toEqualTypeOf<
  'INVALID_KEY' | 'NOT_FOUND' | 'INVALID_EXPIRY' | 'ACCESS_DENIED' | 'S3_ERROR' | 'MISSING_PEER' | 'INVALID_CONFIG'
>()
