// The shared test utility `startS3` (common/test-utils) is exercised here because this package is its first user.
import { existsSync } from 'node:fs'
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { startS3 } from '@scraping-run/test-utils'
import { describe, expect, it } from 'vitest'

describe('startS3', () => {
  it('creates the buckets, paginates ListObjectsV2, and stops its child process', async () => {
    const s3 = await startS3({ buckets: ['one', 'two'] })
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials })
    try {
      expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`)
      const buckets = await client.send(new ListBucketsCommand({}))
      expect(buckets.Buckets?.map((bucket) => bucket.Name).sort()).toEqual(['one', 'two'])

      for (const key of ['a', 'b', 'c']) await client.send(new PutObjectCommand({ Bucket: 'one', Key: key, Body: key }))
      // A truncated ListObjectsV2 is what needs the legacy OpenSSL provider in the child.
      const first = await client.send(new ListObjectsV2Command({ Bucket: 'one', MaxKeys: 2 }))
      expect(first.Contents?.map((object) => object.Key)).toEqual(['a', 'b'])
      const second = await client.send(new ListObjectsV2Command({ Bucket: 'one', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }))
      expect(second.Contents?.map((object) => object.Key)).toEqual(['c'])
    } finally {
      client.destroy()
      await s3.stop()
    }
    await s3.stop() // a second stop is a no-op
    await expect(fetch(s3.endpoint)).rejects.toThrow()
  })

  it('runs servers side by side on different ports', async () => {
    const [a, b] = await Promise.all([startS3(), startS3()])
    try {
      expect(a.port).not.toBe(b.port)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
