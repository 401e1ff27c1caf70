import { serveFeatures, type Route } from './helpers.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storageFeature } from '../src/features/storage.js'

// The storage feature on its own, in a real Express app on a real port, driven with fetch as a browser would.
let served: Awaited<ReturnType<typeof serveFeatures>>
let base: string
let routes: Route[]
let services: Record<string, any>

beforeAll(async () => {
  served = await serveFeatures([storageFeature], {})
  ;({ base, routes, services } = served)
})

afterAll(() => served?.close())

describe('storage feature', () => {
  it('POST /files/upload-url gives a presigned PUT; GET /files/:key redirects to a presigned GET of what was put', async () => {
    const response = await fetch(`${base}/files/upload-url`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'photos/2024/cat.txt' }),
    })
    expect(response.status).toBe(200)
    const { url } = (await response.json()) as { url: string }
    expect(new URL(url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
    expect((await fetch(url, { method: 'PUT', body: 'meow' })).status).toBe(200)

    const redirect = await fetch(`${base}/files/photos/2024/cat.txt`, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const location = redirect.headers.get('location')!
    expect(location.startsWith(`${services.storage.bucket(services.bucketName).internalUrl('photos/2024/cat.txt')}?`)).toBe(true)
    const followed = await fetch(`${base}/files/photos/2024/cat.txt`)
    expect(await followed.text()).toBe('meow')
  })

  it('serves the seeded hello.txt, and 404 for a missing file', async () => {
    expect(await (await fetch(`${base}/files/hello.txt`)).text()).toContain('Hello from scraping-run storage')
    const missing = await fetch(`${base}/files/nope.txt`, { redirect: 'manual' })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('answers 400 with the error code for a bad key', async () => {
    for (const body of [{ key: '/etc/passwd' }, { key: 'a/../b' }, { key: '' }, {}]) {
      const response = await fetch(`${base}/files/upload-url`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(await response.json()).toMatchObject({ code: 'INVALID_KEY' })
    }
  })

  it('lists its routes with a curl line using $BASE, and exposes the storage service', () => {
    const paths = routes.map((route) => `${route.method} ${route.path}`)
    expect(paths).toEqual(expect.arrayContaining(['POST /files/upload-url', 'GET /files/:key']))
    for (const route of routes.filter((entry) => entry.try)) expect(route.try).toContain('$BASE/files/')
    expect(services.bucketName).toBe('demo-files')
    expect(typeof services.storage.bucket).toBe('function')
  })
})
