import { setTimeout as sleep } from 'node:timers/promises'
import { S3Client } from '@aws-sdk/client-s3'
import { createStorage, StorageError, type Bucket, type Storage } from '@scraping-run/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credentials, freshBucket, s3Endpoint, testStorage } from './helpers.js'

let storage: Storage
let bucket: Bucket

beforeAll(async () => {
  ;({ storage, bucket } = await freshBucket())
})
afterAll(() => storage.destroy())

describe('presigned URLs', () => {
  it('a browser-style PUT to the upload URL, then a GET of the download URL, round-trips the bytes', async () => {
    const url = await bucket.getUploadUrl('uploads/photo.png', { contentType: 'image/png' })
    expect(url.startsWith(`${s3Endpoint()}/${bucket.name}/uploads/photo.png?`)).toBe(true)
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('3600')
    const body = new Uint8Array([137, 80, 78, 71, 1, 2, 3])
    const put = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'image/png' } })
    expect(put.status).toBe(200)
    expect((await bucket.stat('uploads/photo.png'))?.contentType).toBe('image/png')

    const download = await bucket.getDownloadUrl('uploads/photo.png', { expiresIn: 60 })
    expect(new URL(download).searchParams.get('X-Amz-Expires')).toBe('60')
    const get = await fetch(download)
    expect(get.status).toBe(200)
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(body)
  })

  it('with contentType, Content-Type is a signed header of the upload URL (so another type breaks the signature)', async () => {
    const url = new URL(await bucket.getUploadUrl('uploads/typed.png', { contentType: 'image/png' }))
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-type', 'host'])
    // Not hoisted into the query, where S3 would not compare it with the header the uploader sends.
    expect([...url.searchParams.keys()].map((key) => key.toLowerCase())).not.toContain('content-type')
    const untyped = new URL(await bucket.getUploadUrl('uploads/any.bin'))
    expect(untyped.searchParams.get('X-Amz-SignedHeaders')).toBe('host')
  })

  it('filename sets Content-Disposition, with an ASCII fallback and the exact UTF-8 name', async () => {
    await bucket.writeFile('reports/r1.csv', 'a,b\n')
    const url = await bucket.getDownloadUrl('reports/r1.csv', { filename: 'Bericht "März".csv' })
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Bericht _M_rz_.csv"; filename*=UTF-8''Bericht%20%22M%C3%A4rz%22.csv`,
    )
  })

  it('an expired URL is refused', async () => {
    await bucket.writeFile('expiring.txt', 'soon gone')
    const url = await bucket.getDownloadUrl('expiring.txt', { expiresIn: 1 })
    // Expiry is checked in whole seconds against X-Amz-Date, so wait past the second after the next.
    await sleep(2100)
    const response = await fetch(url)
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/AccessDenied[\s\S]*expired/)
  })

  it('refuses expiries outside 1 second .. 7 days with INVALID_EXPIRY', async () => {
    for (const expiresIn of [0, -5, 1.5, 7 * 24 * 3600 + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const attempt of [() => bucket.getUploadUrl('a.txt', { expiresIn }), () => bucket.getDownloadUrl('a.txt', { expiresIn })]) {
        const error = await attempt().catch((caught: unknown) => caught)
        expect(StorageError.is(error, 'INVALID_EXPIRY'), `${expiresIn}: ${String(error)}`).toBe(true)
      }
    }
    const week = await bucket.getDownloadUrl('a.txt', { expiresIn: 7 * 24 * 3600 })
    expect(new URL(week).searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600))
  })

  it('upload URLs never carry an SDK checksum, even when the client computes checksums WHEN_SUPPORTED', async () => {
    // The SDK would sign the CRC32 of the empty body it sees at signing time, and S3 would reject the real upload.
    const injected = new S3Client({ endpoint: s3Endpoint(), region: 'us-east-1', forcePathStyle: true, credentials })
    expect(await injected.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED')
    const storages = [testStorage({ requestChecksumCalculation: 'WHEN_SUPPORTED' }), createStorage({ client: injected })]
    try {
      for (const each of storages) {
        const url = new URL(await each.bucket(bucket.name).getUploadUrl('sum/file.txt'))
        expect(`${url.origin}${url.pathname}`).toBe(`${s3Endpoint()}/${bucket.name}/sum/file.txt`)
        const names = [...url.searchParams.keys()].map((name) => name.toLowerCase())
        expect(names.filter((name) => name.includes('checksum'))).toEqual([])
        expect((await fetch(url, { method: 'PUT', body: 'checked' })).status).toBe(200)
      }
      expect(await bucket.readFile('sum/file.txt', { encoding: 'utf8' })).toBe('checked')
    } finally {
      for (const each of storages) each.destroy()
      injected.destroy()
    }
  })

  it('are signed for the external endpoint when one is set, and work through it', async () => {
    // "localhost" reaches the same s3rver under another host name, as a public endpoint would.
    const external = s3Endpoint().replace('127.0.0.1', 'localhost')
    const viaExternal = testStorage({ externalEndpoint: external })
    try {
      const other = viaExternal.bucket(bucket.name)
      const upload = await other.getUploadUrl('ext/file.txt')
      expect(upload.startsWith(`${external}/${bucket.name}/ext/file.txt?`)).toBe(true)
      expect((await fetch(upload, { method: 'PUT', body: 'via external' })).status).toBe(200)
      expect(other.externalUrl('ext/file.txt')).toBe(`${external}/${bucket.name}/ext/file.txt`)
      expect(other.internalUrl('ext/file.txt')).toBe(`${s3Endpoint()}/${bucket.name}/ext/file.txt`)
      // The runtime itself still talks to the internal endpoint.
      expect(await other.readFile('ext/file.txt', { encoding: 'utf8' })).toBe('via external')
      const download = await other.getDownloadUrl('ext/file.txt')
      expect(new URL(download).host).toBe(new URL(external).host)
      expect(await (await fetch(download)).text()).toBe('via external')
    } finally {
      viaExternal.destroy()
    }
  })
})
