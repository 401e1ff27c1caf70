import { randomBytes } from 'node:crypto'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createStorage, type Storage, type StorageOptions } from '@scraping-run/storage'
import { inject } from 'vitest'

// s3rver accepts any well-formed signature; these are its defaults.
export const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export function s3Endpoint(): string {
  return inject('s3Endpoint')
}

export function testStorage(options: StorageOptions = {}) {
  return createStorage({ endpoint: s3Endpoint(), credentials, ...options })
}

/** A storage and a bucket that exists only for the calling test file. */
export async function freshBucket(options: StorageOptions = {}) {
  const storage = testStorage(options)
  const name = `t-${randomBytes(6).toString('hex')}`
  await storage.client.send(new CreateBucketCommand({ Bucket: (options.bucketPrefix ?? '') + name }))
  return { storage, bucket: storage.bucket(name), name }
}

/**
 * Records the name of every command the storage's client sends (a real middleware on the real client, not a mock), for
 * tests that must tell how a method talked to S3. Returns the live list; empty it between tests.
 */
export function recordCommands(storage: Storage): string[] {
  const sent: string[] = []
  storage.client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName!)
      return next(args)
    },
    { step: 'initialize', name: 'recordCommands' },
  )
  return sent
}
