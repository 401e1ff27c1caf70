// The query builder from @scraping-run/cloud against the proxy: over HTTP with createCloudClient, through
// proxy.transport(policy, user), and over the direct transport.
import { createDatabase, getToken, type Db } from '@scraping-run/cloud'
import { createCloudClient } from '@scraping-run/cloud/client'
import { ObjectId } from '@scraping-run/cloud/protocol'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDbProxy, createDirectTransport, type Policy } from '../src/index.js'
import { useDb } from './mongo.js'
import { EXPRESS_VERSIONS, SECRET, serve } from './server.js'

const { db: mongo } = useDb()

const policy: Policy = {
  items: { read: true, count: true, aggregate: true, add: { multi: true }, update: { multi: true }, remove: { multi: true } },
  owners: { read: true },
  mine: { read: 'query.owner == auth.uid', add: { data: { owner: 'value == auth.uid', text: {} } } },
}

interface Item {
  name: string
  n: number
  tags: string[]
  owner?: string
  meta?: { color: string; size?: number }
}

const seed: Array<Item & { _id: string }> = [
  { _id: 'a', name: 'apple', n: 1, tags: ['red', 'fruit'], owner: 'o1', meta: { color: 'red', size: 3 } },
  { _id: 'b', name: 'banana', n: 2, tags: ['yellow', 'fruit'], owner: 'o2', meta: { color: 'yellow', size: 5 } },
  { _id: 'c', name: 'cherry', n: 3, tags: ['red'], owner: 'o1', meta: { color: 'red', size: 1 } },
  { _id: 'd', name: 'date', n: 4, tags: [], meta: { color: 'brown' } },
]

let server: Awaited<ReturnType<typeof serve>>
const proxy = () => createDbProxy({ db: mongo(), policies: { app: policy } })

beforeAll(async () => {
  server = await serve(EXPRESS_VERSIONS[0][1], proxy())
})
afterAll(() => server.close())

const transports: Array<[string, () => Db]> = [
  ['createCloudClient over HTTP', () => createCloudClient({ baseUrl: server.base, getToken: () => getToken({ uid: 'o1' }, { secret: SECRET }) }).database()],
  ['proxy.transport', () => createDatabase(proxy().transport('app', { uid: 'o1' }))],
  ['the direct transport', () => createDatabase(createDirectTransport({ db: mongo() }))],
]

describe.each(transports)('builder via %s', (_name, makeDb) => {
  let db: Db
  beforeEach(async () => {
    db = makeDb()
    await mongo().collection('items').deleteMany({})
    await mongo().collection('items').insertMany(seed.map((doc) => ({ ...doc })) as never[])
  })

  const names = (result: { data: Array<{ name?: unknown }> }) => result.data.map((doc) => doc.name)

  it('where with db.command query operators', async () => {
    const _ = db.command
    const items = db.collection<Item>('items')
    const cases: Array<[Record<string, unknown> | unknown, string[]]> = [
      [{ n: _.gt(2) }, ['cherry', 'date']],
      [{ n: _.gte(2).and(_.lt(4)) }, ['banana', 'cherry']],
      [{ n: _.lt(2).or(_.eq(4)) }, ['apple', 'date']],
      [{ n: _.lte(1) }, ['apple']],
      [{ name: _.neq('apple'), n: _.lt(3) }, ['banana']],
      [{ name: _.in(['apple', 'date']) }, ['apple', 'date']],
      [{ name: _.nin(['apple', 'date']) }, ['banana', 'cherry']],
      [{ owner: _.exists(false) }, ['date']],
      [{ tags: _.size(2) }, ['apple', 'banana']],
      [{ tags: _.all(['red', 'fruit']) }, ['apple']],
      [{ tags: _.elemMatch({ $eq: 'yellow' }) }, ['banana']],
      [{ name: _.like('%an%') }, ['banana']],
      [{ meta: { color: 'red' } }, ['apple', 'cherry']],
      [{ n: _.not(_.gt(1)) }, ['apple']],
      [_.or({ name: 'apple' }, { n: 4 }), ['apple', 'date']],
      [_.and([{ tags: 'red' }, { n: _.gt(1) }]), ['cherry']],
      [_.nor([{ tags: 'red' }, { n: 4 }]), ['banana']],
    ]
    for (const [query, expected] of cases) {
      const result = await items.where(query).orderBy('name', 'asc').get()
      expect(result.ok, JSON.stringify(query)).toBe(true)
      expect(names(result), JSON.stringify(query)).toEqual(expected)
    }
  })

  it('orderBy, skip, limit, field, getOne and count', async () => {
    const items = db.collection<Item>('items')
    expect(names(await items.orderBy('n', 'desc').skip(1).limit(2).get())).toEqual(['cherry', 'banana'])
    const fields = await items.where({ _id: 'a' }).field(['name']).get()
    expect(fields.data).toEqual([{ _id: 'a', name: 'apple' }])
    expect((await items.where({ _id: 'a' }).field({ tags: 0, meta: 0, owner: 0 }).getOne()).data).toEqual({ _id: 'a', name: 'apple', n: 1 })
    expect((await items.where({ name: 'nope' }).getOne())).toEqual({ ok: true, data: null })
    expect(await items.where({ tags: 'red' }).count()).toEqual({ ok: true, total: 2 })
  })

  it('page() returns total', async () => {
    const page = await db.collection<Item>('items').orderBy('n', 'asc').page({ current: 2, size: 3 }).get()
    expect(page).toMatchObject({ ok: true, total: 4, limit: 3, offset: 3 })
    expect(names(page)).toEqual(['date'])
  })

  it('add keeps a given _id, generates ObjectIds otherwise, and round-trips dates', async () => {
    const items = db.collection('items')
    const kept = await items.add({ _id: 'mine', name: 'kept', at: new Date('2024-05-06T07:08:09Z') })
    expect(kept).toMatchObject({ ok: true, id: 'mine', ids: ['mine'], insertedCount: 1 })
    expect((await items.doc('mine').get()).data).toEqual({ _id: 'mine', name: 'kept', at: new Date('2024-05-06T07:08:09Z') })
    const generated = await items.add({ name: 'gen' })
    expect(generated.id).toBeInstanceOf(ObjectId)
    expect((await items.doc(generated.id).get()).data).toMatchObject({ name: 'gen' })
    const many = await items.add([{ _id: 'm1', name: 'm1' }, { _id: 'm2', name: 'm2' }])
    expect(many).toMatchObject({ ok: true, id: ['m1', 'm2'], ids: ['m1', 'm2'], insertedCount: 2 })
  })

  it('update with db.command update operators', async () => {
    const _ = db.command
    const items = db.collection<Item>('items')
    const doc = items.doc('a')
    const steps: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ n: _.inc(2) }, { n: 3 }],
      [{ n: _.mul(10) }, { n: 30 }],
      [{ n: _.max(50) }, { n: 50 }],
      [{ n: _.min(5) }, { n: 5 }],
      [{ tags: _.push('x', 'y') }, { tags: ['red', 'fruit', 'x', 'y'] }],
      [{ tags: _.pop() }, { tags: ['red', 'fruit', 'x'] }],
      [{ tags: _.shift() }, { tags: ['fruit', 'x'] }],
      [{ tags: _.unshift('first') }, { tags: ['first', 'fruit', 'x'] }],
      [{ tags: _.pull('x') }, { tags: ['first', 'fruit'] }],
      [{ tags: _.addToSet('fruit') }, { tags: ['first', 'fruit'] }],
      [{ tags: _.addToSet({ each: ['new', 'first'] }) }, { tags: ['first', 'fruit', 'new'] }],
      [{ tags: _.pullAll(['first', 'new']) }, { tags: ['fruit'] }],
      [{ meta: { size: 9 } }, { meta: { color: 'red', size: 9 } }],
      [{ meta: _.set({ color: 'green' }) }, { meta: { color: 'green' } }],
      [{ owner: _.remove() }, { owner: undefined }],
      [{ name: _.rename('title') }, { name: undefined, title: 'apple' }],
    ]
    for (const [data, expected] of steps) {
      const result = await doc.update(data)
      expect(result, JSON.stringify(data)).toMatchObject({ ok: true, matched: 1 })
      const stored = (await mongo().collection('items').findOne({ _id: 'a' as never })) as Record<string, unknown>
      for (const [key, value] of Object.entries(expected)) expect(stored[key], `${JSON.stringify(data)} → ${key}`).toEqual(value)
    }
  })

  it('update multi, upsert, set and remove', async () => {
    const items = db.collection<Item>('items')
    expect(await items.where({ tags: 'red' }).update({ hot: true }, { multi: true })).toMatchObject({ ok: true, updated: 2, matched: 2 })
    const upsert = await items.where({ _id: 'new' }).update({ name: 'new' }, { upsert: true })
    expect(upsert).toMatchObject({ ok: true, upsertId: 'new' })
    expect(await items.doc('b').set({ name: 'replaced', n: 0, tags: [] })).toMatchObject({ ok: true, matched: 1 })
    expect(await mongo().collection('items').findOne({ _id: 'b' as never })).toEqual({ _id: 'b', name: 'replaced', n: 0, tags: [] })
    expect(await items.doc('fresh').set({ name: 'fresh', n: 9, tags: [] })).toMatchObject({ ok: true, upsertId: 'fresh' })
    expect(await items.doc('c').remove()).toEqual({ ok: true, deleted: 1 })
    // 'new' has no n, so it stays.
    expect(await items.where({ n: db.command.gte(0) }).remove({ multi: true })).toEqual({ ok: true, deleted: 4 })
  })

  it('aggregate: match, group, sort, limit, lookup, project, unwind', async () => {
    await mongo().collection('owners').deleteMany({})
    await mongo().collection('owners').insertMany([{ _id: 'o1' as never, label: 'first' }, { _id: 'o2' as never, label: 'second' }])
    const grouped = await db.collection('items').aggregate().match({ n: db.command.lt(4) }).group({ _id: '$owner', total: { $sum: '$n' } }).sort({ total: -1 }).limit(5).end()
    expect(grouped).toEqual({ ok: true, data: [{ _id: 'o1', total: 4 }, { _id: 'o2', total: 2 }] })
    const joined = await db
      .collection('items')
      .aggregate()
      .match({ _id: 'a' })
      .lookup({ from: 'owners', localField: 'owner', foreignField: '_id', as: 'who' })
      .unwind('$who')
      .project({ _id: 0, name: 1, label: '$who.label' })
      .end()
    expect(joined).toEqual({ ok: true, data: [{ name: 'apple', label: 'first' }] })
  })
})

describe('refusals come back as ok: false', () => {
  it('over HTTP and through proxy.transport', async () => {
    const viaHttp = createCloudClient({ baseUrl: server.base, getToken: () => getToken({ uid: 'o1' }, { secret: SECRET }) }).database()
    const viaProxy = createDatabase(proxy().transport('app', { uid: 'o1' }))
    for (const db of [viaHttp, viaProxy]) {
      const refused = await db.collection('mine').where({ owner: 'o2' }).get()
      expect(refused).toMatchObject({ ok: false, code: 'permission denied', data: [] })
      expect((refused.error as Array<{ validator: string }>)[0].validator).toBe('condition')
      expect((await db.collection('mine').where({ owner: 'o1' }).get()).ok).toBe(true)
      expect(await db.collection('mine').add({ owner: 'o2', text: 'x' })).toMatchObject({ ok: false, code: 'permission denied' })
      expect(await db.collection('mine').add({ owner: 'o1', text: 'x' })).toMatchObject({ ok: true, insertedCount: 1 })
      expect(await db.collection('unknown').count()).toMatchObject({ ok: false, code: 'permission denied', total: undefined })
    }
    const anonymous = createCloudClient({ baseUrl: server.base }).database()
    expect((await anonymous.collection('mine').where({ owner: 'o1' }).get()).ok).toBe(false)
    const wrongPolicy = createCloudClient({ baseUrl: server.base, policy: 'nope' }).database()
    expect(await wrongPolicy.collection('items').get()).toMatchObject({ ok: false, code: 'POLICY_NOT_FOUND' })
  })
})
