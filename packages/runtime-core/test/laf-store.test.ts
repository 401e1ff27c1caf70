// A database seeded in LAF's document shapes — `__functions__` as LAF publishes them, `__conf__` env, `__policies__` — is
// served by the suite with the LAF profile: functions, env and the browser proxy, and LAF-style publishes hot-reload.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import { createDbProxy } from '@scraping-run/db-proxy'
import { dbProxyRouter } from '@scraping-run/db-proxy/express'
import { testFunctionStore, uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { createExecutor, lafConf, mongoStore, type Executor, type LafConf, type MongoStore } from '@scraping-run/runtime-core'
import { functionsMiddleware } from '@scraping-run/runtime-core/express'

/** A function document as LAF's server publishes it into the app database. */
function lafFunction(name: string, code: string, methods = ['GET', 'POST']) {
  return { name, source: { code, compiled: 'exports.main = async () => "LAF\'s own compiled output"', uri: null, version: 1, hash: null, lang: null }, desc: `${name} (from LAF)`, methods, tags: [], params: {}, createdAt: new Date(), updatedAt: new Date() }
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const clients: MongoClient[] = []
async function freshDb(): Promise<Db> {
  const client = new MongoClient(inject('mongoUri'))
  clients.push(client)
  return client.db(uniqueDbName('laf-app'))
}
afterAll(async () => {
  for (const client of clients) await client.close()
})

// The FunctionStore conformance suite, with LAF's document shape.
testFunctionStore(
  'mongoStore({laf: true})',
  async () => {
    const db = await freshDb()
    return {
      store: mongoStore({ db, laf: true }),
      // An explicit _id: the embedded server's replaceOne upsert by {name} stores `_id: undefined` (noticed here).
      put: async (record) => {
        const existing = await db.collection('__functions__').findOne({ name: record.name })
        const doc = { _id: existing?._id ?? new ObjectId(), ...lafFunction(record.name, record.source) }
        await db.collection('__functions__').replaceOne({ _id: doc._id }, doc, { upsert: true })
      },
      remove: async (name) => void (await db.collection('__functions__').deleteOne({ name })),
      putInvalid: async (name) => void (await db.collection('__functions__').insertOne(lafFunction(name, 'export default () => 1'))),
      dispose: () => db.dropDatabase().then(() => undefined),
    }
  },
  { describe, it, expect, beforeEach, afterEach },
)

describe('a LAF database served with the profile', () => {
  let db: Db
  let store: MongoStore
  let conf: LafConf
  let executor: Executor
  let server: Server
  let base: string

  beforeAll(async () => {
    db = await freshDb()
    await db.collection('__functions__').insertMany([
      lafFunction('hello', `import cloud from '@lafjs/cloud'\nexport default async function (ctx: FunctionContext) {\n  return 'hi ' + cloud.env.GREETING_TARGET\n}`),
      lafFunction('add-todo', `import cloud from '@lafjs/cloud'\nexport default async function (ctx: FunctionContext) {\n  const r = await cloud.database().collection('todos').add({ title: ctx.body.title, owner: ctx.user?.uid })\n  return { id: r.id }\n}`, ['POST']),
    ])
    await db.collection('__conf__').insertOne({ environments: [{ name: 'GREETING_TARGET', value: 'laf' }], dependencies: [] })
    await db.collection('__policies__').insertOne({ name: 'app', rules: { todos: { read: 'uid === query.owner', update: 'uid === query.owner' } }, injector: null, status: 1 })

    store = mongoStore({ db, laf: true })
    conf = lafConf({ db })
    await conf.ready()
    executor = createExecutor({ store, env: conf.env, jwtSecret: 'laf-secret', laf: true, mongo: { client: db.client, db } })
    const app = express()
    app.use('/proxy', dbProxyRouter(createDbProxy({ db, laf: true }), { jwtSecret: 'laf-secret' }))
    app.use(functionsMiddleware(executor, { laf: true }))
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await executor.ready()
    await store.ready()
  })
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await executor?.close()
    await conf?.close()
    await store?.close()
  })

  it("compiles source.code itself (not LAF's compiled output) and keeps LAF's methods and desc", async () => {
    const response = await fetch(`${base}/hello`)
    expect([response.status, response.headers.get('content-type'), await response.text()]).toEqual([200, 'text/html; charset=utf-8', 'hi laf'])
    expect((await fetch(`${base}/add-todo`, { method: 'GET' })).status).toBe(405)
    expect((await store.get('hello'))?.description).toBe('hello (from LAF)')
  })

  it('an empty methods list answers no HTTP method, as on LAF, but a trigger token still runs it', async () => {
    await db.collection('__functions__').insertOne(lafFunction('cron-only', 'export default async () => "ticked"', []))
    const status = await eventually(async () => (await fetch(`${base}/cron-only`, { method: 'POST' })).status, (value) => value === 405)
    expect(status).toBe(405)
    const triggered = await fetch(`${base}/cron-only`, { method: 'POST', headers: { 'x-laf-trigger-token': executor.getToken({ type: 'trigger' }) } })
    expect(await triggered.text()).toBe('ticked')
  })

  it('env comes from __conf__ and follows its changes', async () => {
    await db.collection('__conf__').updateOne({}, { $set: { environments: [{ name: 'GREETING_TARGET', value: 'changed' }] } })
    const text = await eventually(async () => (await fetch(`${base}/hello`)).text(), (value) => value === 'hi changed')
    expect(text).toBe('hi changed')
  })

  it('a LAF-style publish (delete all, insert all) is served', async () => {
    const session = db.client.startSession()
    try {
      await session.withTransaction(async () => {
        await db.collection('__functions__').deleteMany({ name: 'hello' }, { session })
        await db.collection('__functions__').insertOne(lafFunction('hello', `export default async function () {\n  return 'republished'\n}`), { session })
      })
    } finally {
      await session.endSession()
    }
    const text = await eventually(async () => (await fetch(`${base}/hello`)).text(), (value) => value === 'republished')
    expect(text).toBe('republished')
  })

  it("the browser proxy applies __policies__ to data a function wrote, by the function's string id", async () => {
    const token = executor.getToken({ uid: 'u1' })
    const added = await (await fetch(`${base}/add-todo`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ title: 'from a function' }) })).json() as any
    expect(added.id).toMatch(/^[0-9a-f]{24}$/)
    const post = (body: unknown) => fetch(`${base}/proxy/app`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>)
    const updated = await post({ action: 'database.updateDocument', collectionName: 'todos', query: { _id: added.id, owner: 'u1' }, data: { $set: { done: true } }, merge: true })
    expect(updated).toEqual({ code: 0, data: { upsert_id: null, updated: 1, matched: 1 } })
    const refused = await post({ action: 'database.queryDocument', collectionName: 'todos', query: { owner: 'u2' } })
    expect(refused.code).toBe('permission denied')
  })
})
