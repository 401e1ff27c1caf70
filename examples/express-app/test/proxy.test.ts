import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createCloudClient } from '@scraping-run/cloud/client'
import { serveFeatures, type Route } from './helpers.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mongoFeature } from '../src/features/mongo.js'
import { proxyFeature } from '../src/features/proxy.js'

// The proxy feature with the mongo feature in a real Express app, driven over HTTP the way the page at / drives it.
let served: Awaited<ReturnType<typeof serveFeatures>>
let base: string
let routes: Route[]
let services: Record<string, any>

beforeAll(async () => {
  served = await serveFeatures([mongoFeature, proxyFeature], {})
  ;({ base, routes, services } = served)
})

afterAll(() => served?.close())

async function tokenFor(uid: string): Promise<string> {
  const response = await fetch(`${base}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uid }) })
  expect(response.status).toBe(200)
  return ((await response.json()) as { token: string }).token
}

describe('proxy feature', () => {
  it('lists its routes with try lines', () => {
    const proxyRoute = routes.find((route) => route.path === '/proxy/:policy')
    expect(proxyRoute?.try).toContain('$BASE/proxy/app')
    expect(routes.some((route) => route.path === '/')).toBe(true)
  })

  it('serves the page at /', async () => {
    const response = await fetch(`${base}/`)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('"bson": "/vendor/bson.mjs"')
    expect(html).toContain('/app.js')
    expect((await fetch(`${base}/app.js`)).status).toBe(200)
  })

  const cloudDist = join(dirname(createRequire(import.meta.url).resolve('@scraping-run/cloud/package.json')), 'dist')
  it.skipIf(!existsSync(join(cloudDist, 'client.js')))('serves the built browser client and bson (skipped until `pnpm build` has run)', async () => {
    const client = await fetch(`${base}/vendor/cloud/client.js`)
    expect(client.status).toBe(200)
    expect(client.headers.get('content-type')).toContain('javascript')
    const bson = await fetch(`${base}/vendor/bson.mjs`)
    expect(bson.status).toBe(200)
    expect(await bson.text()).toContain('ObjectId')
  })

  it('policy app: public read, signed-in add as oneself, owner-only update and remove', async () => {
    const anonymous = createCloudClient({ baseUrl: base }).database()
    const alice = createCloudClient({ baseUrl: base, getToken: () => tokenFor('alice') }).database()
    const bob = createCloudClient({ baseUrl: base, getToken: () => tokenFor('bob') }).database()

    expect(await anonymous.collection('posts').add({ title: 'x', author: 'alice' })).toMatchObject({ ok: false, code: 'permission denied' })
    expect(await alice.collection('posts').add({ title: 'x', author: 'bob' })).toMatchObject({ ok: false })
    expect(await alice.collection('posts').add({ author: 'alice' })).toMatchObject({ ok: false })
    const added = await alice.collection('posts').add({ title: 'Hello', body: 'first', author: 'alice', createdAt: new Date() })
    expect(added).toMatchObject({ ok: true, insertedCount: 1 })

    const listed = await anonymous.collection('posts').where({ _id: added.id }).page({ current: 1, size: 10 }).get()
    expect(listed).toMatchObject({ ok: true, total: 1, data: [{ title: 'Hello', author: 'alice' }] })

    expect(await bob.collection('posts').where({ _id: added.id, author: 'alice' }).update({ title: 'mine now' })).toMatchObject({ ok: false })
    expect(await bob.collection('posts').where({ _id: added.id, author: 'alice' }).remove()).toMatchObject({ ok: false })
    expect(await alice.collection('posts').where({ _id: added.id, author: 'alice' }).update({ title: 'Hello again' })).toMatchObject({ ok: true, updated: 1 })
    expect(await alice.collection('posts').where({ _id: added.id, author: 'alice' }).update({ author: 'bob' })).toMatchObject({ ok: false })
    expect(await alice.collection('posts').where({ _id: added.id, author: 'alice' }).remove()).toEqual({ ok: true, deleted: 1 })
  })

  it('refuses a bad demo sign-in name', async () => {
    const response = await fetch(`${base}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"uid":"no spaces"}' })
    expect(response.status).toBe(400)
  })
})
