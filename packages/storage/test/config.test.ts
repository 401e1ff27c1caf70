import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import type { CloudStorage } from '@scraping-run/cloud'
import { createStorage, StorageError, storageFromEnv } from '@scraping-run/storage'
import { describe, expect, it } from 'vitest'
import { credentials, recordCommands, s3Endpoint, testStorage } from './helpers.js'

describe('createStorage', () => {
  it('is a CloudStorage: functions reach it as cloud.storage.bucket(name)', async () => {
    const storage: CloudStorage = testStorage()
    const bucket = storage.bucket('any')
    expect(bucket.name).toBe('any')
  })

  it('sets both checksum modes to WHEN_REQUIRED by default, and lets them be changed', async () => {
    const storage = testStorage()
    expect(await storage.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED')
    expect(await storage.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED')
    const changed = testStorage({ requestChecksumCalculation: 'WHEN_SUPPORTED', responseChecksumValidation: 'WHEN_SUPPORTED' })
    expect(await changed.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED')
    expect(await changed.client.config.responseChecksumValidation()).toBe('WHEN_SUPPORTED')
    storage.destroy()
    changed.destroy()
  })

  it('defaults to us-east-1 and path style with an endpoint; builds the client once, on first use', async () => {
    const storage = testStorage()
    const client = storage.client
    expect(storage.client).toBe(client)
    expect(await client.config.region()).toBe('us-east-1')
    expect(client.config.forcePathStyle).toBe(true)
    expect(storage.bucket('b')).toBe(storage.bucket('b'))
    storage.destroy()
  })

  it('bucketPrefix is prepended to every bucket name', async () => {
    const storage = testStorage({ bucketPrefix: 'app1-' })
    await storage.client.send(new CreateBucketCommand({ Bucket: 'app1-files' }))
    const bucket = storage.bucket('files')
    expect(bucket.name).toBe('app1-files')
    await bucket.writeFile('a.txt', 'prefixed')
    expect(bucket.internalUrl('a.txt')).toBe(`${s3Endpoint()}/app1-files/a.txt`)
    expect(await (await fetch(bucket.internalUrl('a.txt'))).text()).toBe('prefixed')
    storage.destroy()
  })

  it('uses an injected client, and leaves it alone on destroy', async () => {
    const client = new S3Client({ endpoint: s3Endpoint(), region: 'us-east-1', forcePathStyle: true, credentials })
    await client.send(new CreateBucketCommand({ Bucket: 'injected' }))
    const storage = createStorage({ client, endpoint: s3Endpoint() })
    expect(storage.client).toBe(client)
    const sent = recordCommands(storage)
    await storage.bucket('injected').writeFile('a.txt', 'via injected client')
    expect(sent).toEqual(['PutObjectCommand'])
    // Presigning reuses the injected client's credentials and region.
    const url = await storage.bucket('injected').getDownloadUrl('a.txt')
    expect(await (await fetch(url)).text()).toBe('via injected client')
    storage.destroy()
    expect(await storage.bucket('injected').readFile('a.txt', { encoding: 'utf8' })).toBe('via injected client')
    client.destroy()
  })

  it('builds AWS URLs without an endpoint: virtual-hosted by default, path style on request', () => {
    const aws = createStorage({ region: 'eu-west-1', credentials })
    expect(aws.bucket('photos').internalUrl('a b/c.jpg')).toBe('https://photos.s3.eu-west-1.amazonaws.com/a%20b/c.jpg')
    expect(aws.bucket('photos').externalUrl('c.jpg')).toBe('https://photos.s3.eu-west-1.amazonaws.com/c.jpg')
    const pathStyle = createStorage({ region: 'eu-west-1', forcePathStyle: true })
    expect(pathStyle.bucket('photos').internalUrl('c.jpg')).toBe('https://s3.eu-west-1.amazonaws.com/photos/c.jpg')
  })

  it('keeps a path prefix of the endpoint in URLs', () => {
    const storage = createStorage({ endpoint: 'http://minio:9000', externalEndpoint: 'https://cdn.example.com/s3/' })
    expect(storage.bucket('b').internalUrl('k')).toBe('http://minio:9000/b/k')
    expect(storage.bucket('b').externalUrl('k')).toBe('https://cdn.example.com/s3/b/k')
  })

  it('refuses bad configuration with INVALID_CONFIG', () => {
    const bad = [
      () => createStorage({ endpoint: 'not a url' }),
      () => createStorage({ externalEndpoint: 'ftp://example.com' }),
      () => createStorage({ partSize: 1024 }),
      () => createStorage({ credentials: { accessKeyId: 'only-id', secretAccessKey: '' } }),
      () => createStorage().bucket(''),
      () => storageFromEnv({ S3_ACCESS_KEY_ID: 'id' }),
      () => storageFromEnv({ S3_FORCE_PATH_STYLE: 'maybe' }),
    ]
    for (const attempt of bad) {
      let error: unknown
      try {
        attempt()
      } catch (caught) {
        error = caught
      }
      expect(StorageError.is(error, 'INVALID_CONFIG'), String(error)).toBe(true)
    }
  })
})

describe('storageFromEnv', () => {
  it('reads every S3_* variable', async () => {
    const storage = storageFromEnv({
      S3_ENDPOINT: s3Endpoint(),
      S3_EXTERNAL_ENDPOINT: 'https://files.example.com',
      S3_REGION: 'eu-central-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      S3_BUCKET_PREFIX: 'env-',
    })
    expect(await storage.client.config.region()).toBe('eu-central-1')
    expect(await storage.client.config.credentials()).toMatchObject({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
    const bucket = storage.bucket('data')
    expect(bucket.name).toBe('env-data')
    expect(bucket.internalUrl('k')).toBe(`${s3Endpoint()}/env-data/k`)
    expect(bucket.externalUrl('k')).toBe('https://files.example.com/env-data/k')
    expect(new URL(await bucket.getUploadUrl('k')).origin).toBe('https://files.example.com')
    await storage.client.send(new CreateBucketCommand({ Bucket: 'env-data' }))
    await bucket.writeFile('k', 'from env')
    expect(await bucket.readFile('k', { encoding: 'utf8' })).toBe('from env')
    storage.destroy()
  })

  it('reads S3_FORCE_PATH_STYLE=false and lets overrides win', () => {
    const storage = storageFromEnv({ S3_ENDPOINT: 'http://s3.local:9000', S3_FORCE_PATH_STYLE: 'false' })
    expect(storage.bucket('b').internalUrl('k')).toBe('http://b.s3.local:9000/k')
    const overridden = storageFromEnv({ S3_BUCKET_PREFIX: 'env-' }, { bucketPrefix: 'code-' })
    expect(overridden.bucket('b').name).toBe('code-b')
  })

  it('reads process.env by default, and only when called', () => {
    const before = process.env.S3_BUCKET_PREFIX
    process.env.S3_BUCKET_PREFIX = 'process-'
    try {
      expect(storageFromEnv().bucket('b').name).toBe('process-b')
    } finally {
      if (before === undefined) delete process.env.S3_BUCKET_PREFIX
      else process.env.S3_BUCKET_PREFIX = before
    }
  })
})
