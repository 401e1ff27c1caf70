// What the builder sends: LAF's wire format, checked with a transport that records requests (no server needed).
import { describe, expect, it } from 'vitest'
import { CloudError, command as _, createDatabase, type DbTransport } from '@scraping-run/cloud'
import { ObjectId, type DbRequest } from '@scraping-run/cloud/protocol'

function recorder(data: unknown = { list: [], limit: 100, offset: 0 }) {
  const sent: DbRequest[] = []
  const transport: DbTransport = {
    async send(request) {
      sent.push(JSON.parse(JSON.stringify(request)))
      return { code: 0, data }
    },
  }
  return { db: createDatabase(transport), sent }
}

describe('where() encoding', () => {
  const id = new ObjectId('65a000000000000000000001')
  const cases: Array<[string, unknown, unknown]> = [
    ['literals', { a: 1, b: 'x' }, { a: 1, b: 'x' }],
    ['nested objects become dotted paths (LAF)', { a: { b: { c: 1 } } }, { 'a.b.c': 1 }],
    ['raw operators are kept', { n: { $gt: 1 } }, { n: { $gt: 1 } }],
    ['comparison commands', { n: _.gt(1), m: _.lte(2), o: _.neq(3), p: _.eq(4), q: _.gte(5), r: _.lt(6) }, { n: { $gt: 1 }, m: { $lte: 2 }, o: { $ne: 3 }, p: { $eq: 4 }, q: { $gte: 5 }, r: { $lt: 6 } }],
    ['array commands', { a: _.in([1, 2]), b: _.nin([3]), c: _.all(['x']) }, { a: { $in: [1, 2] }, b: { $nin: [3] }, c: { $all: ['x'] } }],
    ['exists, size, elemMatch', { a: _.exists(true), b: _.size(2), c: _.elemMatch({ x: _.gt(1) }) }, { a: { $exists: true }, b: { $size: 2 }, c: { $elemMatch: { x: { $gt: 1 } } } }],
    ['like', { name: _.like('a%b_') }, { name: { $regex: '^a.*b.$', $options: 'is' } }],
    ['like escapes regex characters', { name: _.like('1+1.') }, { name: { $regex: '^1\\+1\\.$', $options: 'is' } }],
    ['field-level and', { n: _.gt(1).and(_.lt(5)) }, { $and: [{ n: { $gt: 1 } }, { n: { $lt: 5 } }] }],
    ['field-level or', { n: _.lt(1).or(_.gt(5)) }, { $or: [{ n: { $lt: 1 } }, { n: { $gt: 5 } }] }],
    ['not', { n: _.not(_.gt(1)) }, { n: { $not: { $gt: 1 } } }],
    ['top-level or', _.or([{ a: 1 }, { b: _.gt(2) }]), { $or: [{ a: 1 }, { b: { $gt: 2 } }] }],
    ['top-level and with arguments', _.and({ a: 1 }, { b: 2 }), { $and: [{ a: 1 }, { b: 2 }] }],
    ['nor', _.nor([{ a: 1 }]), { $nor: [{ a: 1 }] }],
    ['ObjectId and Date as EJSON', { _id: id, at: new Date('2024-01-01T00:00:00Z') }, { _id: { $oid: id.toHexString() }, at: { $date: '2024-01-01T00:00:00Z' } }],
    ['RegExp as EJSON', { name: /^a/i }, { name: { $regularExpression: { pattern: '^a', options: 'i' } } }],
  ]
  it.each(cases)('%s', async (_name, query, expected) => {
    const { db, sent } = recorder()
    await db.collection('c').where(query).get()
    expect(sent[0].query).toEqual(expected)
  })

  it('refuses a filter whose values are all undefined (it would match everything)', () => {
    const { db } = recorder()
    expect(() => db.collection('c').where({ author: undefined })).toThrow('every value is undefined')
    expect(() => db.collection('c').where({ author: undefined, n: 1 })).not.toThrow()
  })

  it('refuses update operators in where() and query operators in update()', () => {
    const { db } = recorder()
    expect(() => db.collection('c').where({ n: _.inc(1) })).toThrow(CloudError)
    expect(() => db.collection('c').where(_.gt(1))).toThrow('needs a field')
    return expect(db.collection('c').update({ n: _.gt(1) })).rejects.toThrow('query operator')
  })
})

describe('update() encoding', () => {
  const cases: Array<[string, Record<string, unknown>, unknown]> = [
    ['plain fields become $set, nested as dotted paths', { a: 1, b: { c: 2 } }, { $set: { a: 1, 'b.c': 2 } }],
    ['set keeps an object whole', { b: _.set({ c: 2 }) }, { $set: { b: { c: 2 } } }],
    ['remove', { a: _.remove() }, { $unset: { a: '' } }],
    ['inc, mul, max, min', { a: _.inc(1), b: _.mul(2), c: _.max(3), d: _.min(4) }, { $inc: { a: 1 }, $mul: { b: 2 }, $max: { c: 3 }, $min: { d: 4 } }],
    ['rename', { a: _.rename('b') }, { $rename: { a: 'b' } }],
    ['push values', { a: _.push(1, 2) }, { $push: { a: { $each: [1, 2] } } }],
    ['push an array', { a: _.push([1, 2]) }, { $push: { a: { $each: [1, 2] } } }],
    ['push with options', { a: _.push({ each: [1], position: 0, slice: 5 }) }, { $push: { a: { $each: [1], $position: 0, $slice: 5 } } }],
    ['pull, pullAll', { a: _.pull(1), b: _.pullAll([2]) }, { $pull: { a: 1 }, $pullAll: { b: [2] } }],
    ['addToSet', { a: _.addToSet(1), b: _.addToSet({ each: [2, 3] }) }, { $addToSet: { a: 1, b: { $each: [2, 3] } } }],
    ['pop, shift, unshift', { a: _.pop(), b: _.shift(), c: _.unshift(0) }, { $pop: { a: 1, b: -1 }, $push: { c: { $each: [0], $position: 0 } } }],
    ['raw operators merge with fields', { $inc: { n: 1 }, title: 'x' }, { $inc: { n: 1 }, $set: { title: 'x' } }],
  ]
  it.each(cases)('%s', async (_name, data, expected) => {
    const { db, sent } = recorder({ updated: 1, matched: 1, upsert_id: null })
    const result = await db.collection('c').where({ _id: 'x' }).update(data)
    expect(sent[0]).toEqual({ action: 'database.updateDocument', collectionName: 'c', query: { _id: 'x' }, data: expected, multi: false, merge: true, upsert: false })
    expect(result).toEqual({ ok: true, updated: 1, matched: 1, upsertId: null })
  })

  it('set() sends a replacement with upsert, refusing operators', async () => {
    const { db, sent } = recorder({ updated: 0, matched: 0, upsert_id: 'x' })
    expect(await db.collection('c').doc('x').set({ a: 1 })).toMatchObject({ ok: true, upsertId: 'x' })
    expect(sent[0]).toMatchObject({ query: { _id: 'x' }, data: { a: 1 }, merge: false, upsert: true, multi: false })
    await expect(db.collection('c').doc('x').set({ a: _.inc(1) })).rejects.toThrow('cannot contain')
    await expect(db.collection('c').update({ _id: 'y' })).rejects.toThrow('_id')
    await expect(db.collection('c').update({})).rejects.toThrow('non-empty')
  })
})

describe('requests', () => {
  it('get() sends order, offset, limit, projection and count; page() sets them', async () => {
    const { db, sent } = recorder({ list: [{ _id: { $oid: '65a000000000000000000001' }, at: { $date: '2024-01-01T00:00:00Z' } }], total: 7, limit: 2, offset: 2 })
    const result = await db.collection('c').orderBy('a', 'desc').orderBy('b').field(['a']).page({ current: 2, size: 2 }).get()
    expect(sent[0]).toEqual({ action: 'database.queryDocument', collectionName: 'c', order: [{ field: 'a', direction: 'desc' }, { field: 'b', direction: 'asc' }], offset: 2, limit: 2, projection: { a: 1 }, count: true })
    expect(result.total).toBe(7)
    expect(result.data[0]._id).toBeInstanceOf(ObjectId)
    expect(result.data[0].at).toEqual(new Date('2024-01-01T00:00:00Z'))
  })

  it('add(), remove(), count() and aggregate() send LAF actions', async () => {
    const { db, sent } = recorder({ _id: ['a', 'b'], insertedCount: 2, deleted: 1, total: 3, list: [] })
    await db.collection('c').add([{ _id: 'a' }, { _id: 'b' }])
    await db.collection('c').where({ x: 1 }).remove({ multi: true })
    await db.collection('c').where({ x: 1 }).count()
    await db.collection('c').aggregate().match({ n: _.gt(1) }).group({ _id: '$k' }).sort({ _id: 1 }).limit(5).end()
    expect(sent.map((request) => request.action)).toEqual(['database.addDocument', 'database.deleteDocument', 'database.countDocument', 'database.aggregateDocuments'])
    expect(sent[0]).toMatchObject({ data: [{ _id: 'a' }, { _id: 'b' }], multi: true })
    expect(sent[1]).toMatchObject({ query: { x: 1 }, multi: true })
    expect(sent[3].stages).toEqual([
      { stageKey: '$match', stageValue: '{"n":{"$gt":1}}' },
      { stageKey: '$group', stageValue: '{"_id":"$k"}' },
      { stageKey: '$sort', stageValue: '{"_id":1}' },
      { stageKey: '$limit', stageValue: '5' },
    ])
  })

  it('a refusal resolves with ok: false; bad arguments throw INVALID_ARGUMENT', async () => {
    const transport: DbTransport = { send: async () => ({ code: 'permission denied', error: [{ rule: 'r', validator: 'condition', message: 'no' }] }) }
    const db = createDatabase(transport)
    expect(await db.collection('c').get()).toEqual({ ok: false, code: 'permission denied', error: [{ rule: 'r', validator: 'condition', message: 'no' }], data: [] })
    expect(() => db.collection('c').limit(0)).toThrow(CloudError)
    expect(() => db.collection('c').orderBy('a', 'up' as never)).toThrow("'asc' or 'desc'")
    expect(() => db.collection('')).toThrow('needs a name')
    expect(() => createDatabase({} as never)).toThrow('transport')
    await expect(db.collection('c').aggregate().end()).rejects.toThrow('at least one stage')
  })
})
