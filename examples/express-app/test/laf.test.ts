// laf-client-sdk (from npm, unchanged) against the demo with the LAF profile: cloud.invoke() reaches the demo's functions
// with the token header, and cloud.database() adds, reads, updates and removes todos by the hex-string ids it gets back.
import { createRequire } from 'node:module'
import { getToken } from '@scraping-run/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mongoFeature } from '../src/features/mongo.js'
import { lafFeature } from '../src/features/laf.js'
import { serveFeatures } from './helpers.js'

const require = createRequire(import.meta.url)
const { Cloud } = require('laf-client-sdk') as { Cloud: new (config: Record<string, unknown>) => { invoke(name: string, data?: unknown): Promise<any>; database(): any } }

const SECRET = 'laf-demo-secret'
let served: Awaited<ReturnType<typeof serveFeatures>>

beforeAll(async () => {
  served = await serveFeatures([mongoFeature, lafFeature], { jwtSecret: SECRET })
})
afterAll(() => served?.close())

const cloudFor = (uid: string | null) =>
  new Cloud({ baseUrl: `${served.base}/laf`, dbProxyUrl: '/proxy/app', getAccessToken: () => (uid ? getToken({ uid }, { secret: SECRET }) : '') })

describe('laf-client-sdk against the demo with the LAF profile', () => {
  it('cloud.invoke() calls a function by path with the token, and gets its result', async () => {
    expect(await cloudFor('alice').invoke('hello', { name: 'Ada' })).toEqual({ message: 'Hello, Ada!', user: 'alice', via: 'http' })
    expect(await cloudFor('alice').invoke('echo', { message: 'hi', repeat: 2 })).toEqual({ echo: 'hi hi' })
    // Without a token the demo's __interceptor__ answers 401, which axios rejects, as on LAF.
    const refused = await cloudFor(null).invoke('hello', {}).catch((error: any) => error.response)
    expect([refused.status, refused.data.error]).toEqual([401, 'a token is required: send Authorization: Bearer <token>'])
  })

  it('cloud.database(): add, then read, update and remove by the returned id', async () => {
    const db = cloudFor('alice').database()
    const added = await db.collection('todos').add({ title: 'migrate off LAF', owner: 'alice', done: false })
    expect(added.ok).toBe(true)
    expect(added.id).toMatch(/^[0-9a-f]{24}$/)
    expect((await db.collection('todos').doc(added.id).get()).data).toMatchObject({ _id: added.id, title: 'migrate off LAF' })
    expect(await db.collection('todos').where({ _id: added.id, owner: 'alice' }).update({ done: true })).toMatchObject({ ok: true, updated: 1 })
    const { data } = await db.collection('todos').where({ owner: 'alice' }).get()
    expect(data.map((todo: any) => [todo._id, todo.done])).toEqual([[added.id, true]])
    expect(await db.collection('todos').where({ _id: added.id, owner: 'alice' }).remove()).toMatchObject({ ok: true, deleted: 1 })
    expect(await db.collection('todos').count()).toMatchObject({ ok: true, total: 0 })
    // The policy's LAF-style `uid === data.owner` refuses adding as someone else (403, which axios rejects).
    const refused = await db.collection('todos').add({ title: 'x', owner: 'bob' }).catch((error: any) => error.response)
    expect([refused.status, refused.data.code]).toEqual([403, 'permission denied'])
  })
})
