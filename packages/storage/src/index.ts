// The public surface of @scraping-run/storage.
export { createStorage, storageFromEnv } from './storage.js'
export type { ChecksumMode, Storage, StorageCredentials, StorageOptions } from './storage.js'
export type { Bucket } from './bucket.js'
export { StorageError } from './errors.js'
export type { StorageErrorCode } from './errors.js'
export type { FileBody, FileEntry, FileStat, ListFilesOptions, ListFilesResult, WriteFileOptions } from '@scraping-run/cloud'
