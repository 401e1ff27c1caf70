// The LAF profile (`laf: true`) with LAF's own browser clients from npm: laf-client-sdk (axios, database-ql 1.0.0-beta.14
// inside) and database-ql 1.0.0 over a fetch transport, against the Express router and the test MongoDB.
import { createRequire } from 'node:module'
import { getToken } from '@scraping-run/cloud'
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDbProxy, createDirectTransport, type Policy } from '../src/index.js'
import { useDb } from './mongo.js'
import { EXPRESS_VERSIONS, SECRET, serve } from './server.js'

const require = createRequire(import.meta.url)
const { Cloud } = require('laf-client-sdk') as { Cloud: new (config: Record<string, unknown>) => { database(): any } }
const { Db: QlDb } = require('database-ql') as { Db: new (config: { request: { send(action: string, data: unknown): Promise<unknown> } }) => any }

const { db: mongo } = useDb()

const policy: Policy = {
  todos: { read: true, count: true, aggregate: true, add: { multi: true }, update: { multi: true }, remove: { multi: true } },
  // LAF's style: the user's fields at top level, `===`.
  mine: { read: 'uid === query.owner', add: { condition: 'uid === data.owner' } },
}

let lafServer: Awaited<ReturnType<typeof serve>>
let plainServer: Awaited<ReturnType<typeof serve>>
beforeAll(async () => {
  lafServer = await serve(EXPRESS_VERSIONS[0][1], createDbProxy({ db: mongo(), policies: { app: policy }, laf: true }))
  plainServer = await serve(EXPRESS_VERSIONS[0][1], createDbProxy({ db: mongo(), policies: { app: policy } }))
})
afterAll(async () => {
  await lafServer?.close()
  await plainServer?.close()
})

const token = () => getToken({ uid: 'u1' }, { secret: SECRET })
function lafClient(base: string) {
  return new Cloud({ baseUrl: base, dbProxyUrl: '/proxy/app', getAccessToken: token }).database()
}
function qlClient(base: string) {
  return new QlDb({
    request: {
      async send(action, data) {
        const response = await fetch(`${base}/proxy/app`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
          body: JSON.stringify({ ...(data as object), action }),
        })
        return response.json()
      },
    },
  })
}

// A document LAF's proxy wrote (string _id) and one the native driver wrote (ObjectId).
const lafId = new ObjectId().toHexString()
const nativeId = new ObjectId()

const clients: Array<[string, (base: string) => any]> = [
  ['laf-client-sdk 1.0.0', lafClient],
  ['database-ql 1.0.0', qlClient],
]

describe.each(clients)('LAF profile with %s', (_name, makeClient) => {
  let db: any
  beforeEach(async () => {
    db = makeClient(lafServer.base)
    await mongo().collection('todos').deleteMany({})
    await mongo().collection('todos').insertMany([
      { _id: lafId as never, title: 'from laf', done: false, n: 1, tags: ['a'] },
      { _id: nativeId, title: 'native', done: false, n: 2, tags: ['b'] },
      { _id: 'plain' as never, title: 'named', done: true, n: 3, tags: ['a', 'b'] },
    ])
  })

  it('add stores a hex string _id, and update / get / remove by the returned id work', async () => {
    const added = await db.collection('todos').add({ title: 'new todo', done: false })
    expect(added.ok).toBe(true)
    expect(added.id).toMatch(/^[0-9a-f]{24}$/)
    const stored = await mongo().collection('todos').findOne({ title: 'new todo' })
    expect(stored?._id).toBe(added.id)

    expect(await db.collection('todos').doc(added.id).update({ done: true })).toMatchObject({ ok: true, updated: 1, matched: 1 })
    expect((await db.collection('todos').doc(added.id).get()).data).toMatchObject({ _id: added.id, done: true })
    expect(await db.collection('todos').where({ _id: added.id }).update({ title: 'renamed' })).toMatchObject({ ok: true, matched: 1 })
    expect(await db.collection('todos').where({ _id: added.id }).remove()).toMatchObject({ ok: true, deleted: 1 })
    expect(await mongo().collection('todos').countDocuments({ _id: added.id as never })).toBe(0)
  })

  it('a hex id matches a string _id and an ObjectId _id alike', async () => {
    const _ = db.command
    expect((await db.collection('todos').where({ _id: lafId }).get()).data.map((d: any) => d.title)).toEqual(['from laf'])
    expect((await db.collection('todos').where({ _id: nativeId.toHexString() }).get()).data.map((d: any) => d.title)).toEqual(['native'])
    const both = await db.collection('todos').where({ _id: _.in([lafId, nativeId.toHexString()]) }).orderBy('n', 'asc').get()
    expect(both.data.map((d: any) => d.title)).toEqual(['from laf', 'native'])
    const others = await db.collection('todos').where({ _id: _.neq(nativeId.toHexString()) }).orderBy('n', 'asc').get()
    expect(others.data.map((d: any) => d.title)).toEqual(['from laf', 'named'])
    expect(await db.collection('todos').doc(nativeId.toHexString()).update({ done: true })).toMatchObject({ ok: true, matched: 1 })
    expect(await mongo().collection('todos').findOne({ _id: nativeId })).toMatchObject({ done: true })
    expect(await db.collection('todos').where(_.or({ _id: nativeId.toHexString() }, { _id: lafId })).count()).toMatchObject({ ok: true, total: 2 })
    expect(await db.collection('todos').doc(nativeId.toHexString()).remove()).toMatchObject({ ok: true, deleted: 1 })
  })

  it('the builder set: where + commands, orderBy, skip, limit, field, page, getOne, count', async () => {
    const _ = db.command
    const todos = db.collection('todos')
    const titles = (result: any) => result.data.map((d: any) => d.title)
    expect(titles(await todos.where({ n: _.gt(1) }).orderBy('n', 'desc').get())).toEqual(['named', 'native'])
    expect(titles(await todos.where({ n: _.gte(1).and(_.lt(3)) }).orderBy('n', 'asc').get())).toEqual(['from laf', 'native'])
    expect(titles(await todos.where({ tags: _.all(['a', 'b']) }).get())).toEqual(['named'])
    expect(titles(await todos.where({ tags: _.size(1), done: _.eq(false) }).orderBy('n', 'asc').get())).toEqual(['from laf', 'native'])
    expect(titles(await todos.where({ title: _.nin(['native']) }).orderBy('n', 'asc').get())).toEqual(['from laf', 'named'])
    expect(titles(await todos.where({ title: new RegExp('^na') }).orderBy('n', 'asc').get())).toEqual(['native', 'named'])
    expect(titles(await todos.orderBy('n', 'asc').skip(1).limit(1).get())).toEqual(['native'])
    expect((await todos.where({ _id: lafId }).field({ title: true }).getOne()).data).toEqual({ _id: lafId, title: 'from laf' })
    expect(await todos.where({ done: false }).count()).toMatchObject({ ok: true, total: 2 })
    const page = await todos.orderBy('n', 'asc').page({ current: 2, size: 2 }).get()
    expect(titles(page)).toEqual(['named'])
  })

  it('the builder set: update operators, multi, set, add many, aggregate', async () => {
    const _ = db.command
    const todos = db.collection('todos')
    expect(await todos.doc(lafId).update({ n: _.inc(10), tags: _.push('c'), title: _.set('set') })).toMatchObject({ ok: true, matched: 1 })
    expect(await mongo().collection('todos').findOne({ _id: lafId as never })).toMatchObject({ n: 11, tags: ['a', 'c'], title: 'set' })
    expect(await todos.doc(lafId).update({ tags: _.pull('a'), done: _.remove() })).toMatchObject({ ok: true, updated: 1 })
    expect(await todos.where({ done: false }).update({ done: true }, { multi: true })).toMatchObject({ ok: true, updated: 1 })
    expect(await todos.doc('plain').set({ title: 'replaced', n: 0 })).toMatchObject({ ok: true })
    expect(await mongo().collection('todos').findOne({ _id: 'plain' as never })).toEqual({ _id: 'plain', title: 'replaced', n: 0 })
    const many = await todos.add([{ title: 'm1', n: 100 }, { title: 'm2', n: 101 }], { multi: true })
    expect(many.ok).toBe(true)
    const ids = Object.values(many.id as Record<string, string>)
    expect(ids).toHaveLength(2)
    for (const id of ids) expect(typeof (await mongo().collection('todos').findOne({ _id: id as never }))?._id).toBe('string')
    const grouped = await todos.aggregate().match({ n: _.gte(100) }).group({ _id: null, total: { $sum: '$n' } }).end()
    expect(grouped).toMatchObject({ ok: true, data: [{ _id: null, total: 201 }] })
    const matched = await todos.aggregate().match({ _id: _.in([lafId, nativeId.toHexString()]) }).sort({ n: 1 }).project({ _id: 0, title: 1 }).end()
    expect(matched).toMatchObject({ ok: true, data: [{ title: 'native' }, { title: 'set' }] })
    expect(await todos.where({ n: _.gte(100) }).remove({ multi: true })).toMatchObject({ ok: true, deleted: 2 })
  })

  it("LAF-style conditions see the user's fields at top level", async () => {
    await mongo().collection('mine').deleteMany({})
    expect((await db.collection('mine').add({ owner: 'u1', text: 'x' })).ok).toBe(true)
    expect((await db.collection('mine').where({ owner: 'u1' }).get()).data).toHaveLength(1)
    // A refusal is a 403, which axios (laf-client-sdk) throws and fetch does not: either way, no data.
    const refused = await db.collection('mine').where({ owner: 'u2' }).get().catch((error: { response?: { status: number } }) => ({ status: error.response?.status }))
    expect(refused.ok === false || refused.status === 403).toBe(true)
  })

  it('a database error answers 200 with error, as LAF does', async () => {
    await mongo().collection('todos').createIndex({ title: 1 }, { unique: true })
    try {
      const duplicate = await db.collection('todos').add({ title: 'native' })
      expect(duplicate.ok).toBe(false)
      expect(String(duplicate.error)).toContain('duplicate')
    } finally {
      await mongo().collection('todos').dropIndexes()
    }
  })
})

describe('without the profile', () => {
  it('a hex string finds no ObjectId document, and add stores an ObjectId', async () => {
    const db = qlClient(plainServer.base)
    await mongo().collection('todos').deleteMany({})
    await mongo().collection('todos').insertOne({ _id: nativeId, title: 'native' })
    expect(await db.collection('todos').where({ _id: nativeId.toHexString() }).count()).toMatchObject({ ok: true, total: 0 })
    expect((await db.collection('todos').add({ title: 'x' })).id).toHaveProperty('$oid')
  })
})

describe('the direct transport with laf: true', () => {
  it('adds hex string ids and matches both forms', async () => {
    const transport = createDirectTransport({ db: mongo(), laf: true })
    await mongo().collection('todos').deleteMany({})
    await mongo().collection('todos').insertOne({ _id: nativeId, title: 'native' })
    const added = (await transport.send({ action: 'database.addDocument', collectionName: 'todos', data: { title: 't' } } as never)) as any
    expect(added.data._id).toMatch(/^[0-9a-f]{24}$/)
    const count = (await transport.send({ action: 'database.countDocument', collectionName: 'todos', query: { _id: { $in: [added.data._id, nativeId.toHexString()] } } } as never)) as any
    expect(count).toEqual({ code: 0, data: { total: 2 } })
    // An upsert keeps its filter, so the inserted document gets the hex id it names.
    const id = new ObjectId().toHexString()
    await transport.send({ action: 'database.updateDocument', collectionName: 'todos', query: { _id: id }, data: { $set: { up: 1 } }, upsert: true, merge: true } as never)
    expect(await mongo().collection('todos').findOne({ _id: id as never })).toEqual({ _id: id, up: 1 })
  })
})
