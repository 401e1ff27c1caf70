// Every action end to end through proxy.handle against MongoDB.
import { ObjectId } from 'mongodb'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDbProxy } from '../src/index.js'
import { A } from './helpers.js'
import { useDb } from './mongo.js'

const { db } = useDb()
const open = { posts: { read: true, count: true, add: { multi: true }, update: { multi: true }, remove: { multi: true }, aggregate: true } }

describe('actions through proxy.handle', () => {
  beforeEach(async () => {
    await db().collection('posts').deleteMany({})
    await db()
      .collection('posts')
      .insertMany([
        { _id: 'a' as never, title: 'A', n: 1, tag: 'x' },
        { _id: 'b' as never, title: 'B', n: 2, tag: 'x' },
        { _id: 'c' as never, title: 'C', n: 3, tag: 'y' },
      ])
  })

  it('reads with filter, order, offset, limit, projection and count', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const result = await proxy.handle('app', {
      action: A.read,
      collectionName: 'posts',
      query: { n: { $gte: 1 } },
      order: [{ field: 'n', direction: 'desc' }],
      offset: 1,
      limit: 1,
      projection: { title: 1 },
      count: true,
    }, null)
    expect(result).toEqual({ status: 200, body: { code: 0, data: { list: [{ _id: 'b', title: 'B' }], total: 3, limit: 1, offset: 1 } } })
  })

  it('adds one document, keeping a given _id or generating an ObjectId', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const kept = await proxy.handle('app', { action: A.add, collectionName: 'posts', data: { _id: 'mine', title: 'M' } }, null)
    expect(kept.body).toEqual({ code: 0, data: { _id: 'mine', insertedCount: 1 } })
    const generated = await proxy.handle('app', { action: A.add, collectionName: 'posts', data: { title: 'G', at: { $date: '2024-01-02T00:00:00Z' } } }, null)
    const id = (generated.body as { data: { _id: { $oid: string } } }).data._id.$oid
    const stored = await db().collection('posts').findOne({ _id: new ObjectId(id) })
    expect(stored).toMatchObject({ title: 'G', at: new Date('2024-01-02T00:00:00Z') })
  })

  it('adds many documents with multi', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const result = await proxy.handle('app', { action: A.add, collectionName: 'posts', multi: true, data: [{ _id: 'd', n: 4 }, { _id: 'e', n: 5 }] }, null)
    expect(result.body).toEqual({ code: 0, data: { _id: ['d', 'e'], insertedCount: 2 } })
    expect(await db().collection('posts').countDocuments()).toBe(5)
  })

  it('updates one, many, replaces and upserts', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const one = await proxy.handle('app', { action: A.update, collectionName: 'posts', query: { tag: 'x' }, data: { $inc: { n: 10 } } }, null)
    expect(one.body).toEqual({ code: 0, data: { upsert_id: null, updated: 1, matched: 1 } })
    const many = await proxy.handle('app', { action: A.update, collectionName: 'posts', query: { tag: 'x' }, multi: true, data: { $set: { seen: true } } }, null)
    expect(many.body).toEqual({ code: 0, data: { upsert_id: null, updated: 2, matched: 2 } })
    const replaced = await proxy.handle('app', { action: A.update, collectionName: 'posts', query: { _id: 'c' }, merge: false, data: { title: 'new' } }, null)
    expect(replaced.body).toMatchObject({ code: 0, data: { matched: 1 } })
    expect(await db().collection('posts').findOne({ _id: 'c' as never })).toEqual({ _id: 'c', title: 'new' })
    const upserted = await proxy.handle('app', { action: A.update, collectionName: 'posts', query: { _id: 'z' }, upsert: true, data: { $set: { title: 'Z' } } }, null)
    expect(upserted.body).toEqual({ code: 0, data: { upsert_id: 'z', updated: 0, matched: 0 } })
  })

  it('removes one and many, counts', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    expect((await proxy.handle('app', { action: A.remove, collectionName: 'posts', query: { tag: 'x' } }, null)).body).toEqual({ code: 0, data: { deleted: 1 } })
    expect((await proxy.handle('app', { action: A.count, collectionName: 'posts', query: {} }, null)).body).toEqual({ code: 0, data: { total: 2 } })
    expect((await proxy.handle('app', { action: A.remove, collectionName: 'posts', query: {}, multi: true }, null)).body).toEqual({ code: 0, data: { deleted: 2 } })
  })

  it('aggregates', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const result = await proxy.handle('app', {
      action: A.aggregate,
      collectionName: 'posts',
      stages: [
        { stageKey: '$match', stageValue: JSON.stringify({ n: { $gte: 1 } }) },
        { stageKey: '$group', stageValue: JSON.stringify({ _id: '$tag', total: { $sum: '$n' } }) },
        { stageKey: '$sort', stageValue: JSON.stringify({ _id: 1 }) },
      ],
    }, null)
    expect(result.body).toEqual({ code: 0, data: { list: [{ _id: 'x', total: 3 }, { _id: 'y', total: 3 }] } })
  })

  it('a duplicate _id answers 409 DATABASE_ERROR', async () => {
    const proxy = createDbProxy({ db: db(), policies: { app: open } })
    const result = await proxy.handle('app', { action: A.add, collectionName: 'posts', data: { _id: 'a', title: 'again' } }, null)
    expect(result.status).toBe(409)
    expect(result.body).toMatchObject({ code: 'DATABASE_ERROR' })
  })
})
