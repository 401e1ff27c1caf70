import { type Collection, type Document, Double, Int32, Long, ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

/** The plan stages of an explain, outermost first (find and aggregate shapes). */
function stages(explained: Document): string[] {
  const out: string[] = []
  let stage: Document | undefined = explained.queryPlanner?.winningPlan
  while (stage) {
    out.push(stage.stage)
    stage = stage.inputStage ?? stage.queryPlan
  }
  return out
}

const byId = (docs: Document[]) => docs.map((d) => String(d._id)).sort()

// A mix that stresses index keys: arrays (multikey), nulls, missing fields, every numeric type, strings and dates.
function sample(): Document[] {
  const docs: Document[] = []
  for (let n = 0; n < 300; n++) {
    docs.push({
      _id: n,
      k: n % 7 === 0 ? null : n % 11 === 0 ? [n, n + 1000] : n % 5 === 0 ? new Int32(n) : n % 3 === 0 ? Long.fromNumber(n) : new Double(n + 0.5),
      s: `name-${String(n).padStart(3, '0')}`,
      g: n % 10,
      d: new Date(Date.UTC(2026, 0, 1 + (n % 28))),
      ...(n % 13 === 0 ? {} : { m: n % 4 }),
    })
  }
  docs.push({ _id: 'str', k: 'text', s: 'other', g: 3 }, { _id: 'obj', k: { a: 1 }, s: 'name-zzz', g: 4 })
  return docs
}

describe('index-backed query planning', () => {
  let indexed: Collection<Document>
  let plain: Collection<Document>
  beforeAll(async () => {
    indexed = mongo.db().collection<Document>('indexed')
    plain = mongo.db().collection<Document>('plain')
    await indexed.insertMany(sample())
    await plain.insertMany(sample())
    await indexed.createIndex({ k: 1 })
    await indexed.createIndex({ s: 1 })
    await indexed.createIndex({ g: 1, m: -1 })
    await indexed.createIndex({ d: -1 })
  })

  const queries: Document[] = [
    { k: 35 }, { k: null }, { k: 22 }, { k: 1022 }, { k: { $in: [10, 21.5, null, 'text'] } }, { k: { $gt: 100, $lte: 200 } },
    { k: { $lt: 50 } }, { k: { $gte: 'a' } }, { k: { a: 1 } }, { k: { $gt: 20, $lt: 30 } }, { k: { $gt: 1000, $lt: 1005 } },
    { s: /^name-1/ }, { s: { $regex: '^name-2[0-4]' } }, { s: /^name-00?/ }, { s: /^NAME/i }, { s: /me-1/ }, { s: { $in: [/^other/, 'name-005'] } },
    { g: 3 }, { g: 3, m: 1 }, { g: { $in: [1, 2] }, m: { $gte: 2 } }, { g: 5, m: null }, { $and: [{ g: 2 }, { m: { $lt: 3 } }] },
    { d: { $gte: new Date(Date.UTC(2026, 0, 20)) } }, { _id: { $in: [1, 2, 'str', 999] } }, { _id: { $gte: 290 } }, { _id: { $lt: 't' , $gt: 'a'} },
    { k: { $ne: 35 } }, { $or: [{ k: 35 }, { g: 1 }] }, { g: { $exists: false } }, { k: { $eq: [22, 1022] } },
  ]

  it('returns the same documents as a collection scan for equality, $in, ranges, prefix regexes and compound keys', async () => {
    for (const query of queries) {
      const want = byId(await plain.find(query).toArray())
      const got = byId(await indexed.find(query).toArray())
      expect({ query, got }).toEqual({ query, got: want })
    }
  })

  it('explains IXSCAN with bounds for indexed queries, IDHACK for _id and COLLSCAN otherwise', async () => {
    const ix = await indexed.find({ k: 25 }).explain('executionStats')
    expect(stages(ix)).toEqual(['FETCH', 'IXSCAN'])
    expect(ix.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: 'k_1', keyPattern: { k: 1 }, indexBounds: { k: ['[25, 25]'] } })
    expect(ix.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1, totalKeysExamined: 1 })
    const compound = await indexed.find({ g: 3, m: { $gt: 1 } }).explain('executionStats')
    expect(compound.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: 'g_1_m_-1', indexBounds: { g: ['[3, 3]'], m: ['[inf.0, 1)'] } })
    expect(compound.executionStats.totalDocsExamined).toBe(compound.executionStats.nReturned)
    const prefix = await indexed.find({ s: /^name-1/ }).explain()
    expect(prefix.queryPlanner.winningPlan.inputStage.indexBounds).toEqual({ s: ['["name-1", "name-2")'] })
    expect(stages(await indexed.find({ _id: 5 } as Document).explain())).toEqual(['IDHACK'])
    expect(stages(await indexed.find({ m: 1 }).explain())).toEqual(['COLLSCAN'])
    expect(stages(await indexed.find({ s: /me-1/ }).explain())).toEqual(['COLLSCAN'])
    expect(stages(await indexed.find({ $or: [{ k: 35 }, { g: 1 }] }).explain())).toEqual(['COLLSCAN'])
    const counted = await indexed.countDocuments({ g: 7 })
    expect(counted).toBe(30)
    const aggregated = await indexed.aggregate([{ $match: { g: 7 } }, { $count: 'n' }]).explain('queryPlanner')
    expect(JSON.stringify(aggregated)).toContain('IXSCAN')
  })

  it('serves sorts from an index in either direction, stopping at the limit', async () => {
    const forward = await indexed.find({ g: 4 }).sort({ m: -1 }).toArray()
    const scanned = await plain.find({ g: 4 }).sort({ m: -1 }).toArray()
    expect(forward.map((d) => d.m ?? null)).toEqual(scanned.map((d) => d.m ?? null))
    expect(byId(forward)).toEqual(byId(scanned))
    expect(stages(await indexed.find({ g: 4 }).sort({ m: -1 }).explain())).toEqual(['FETCH', 'IXSCAN'])
    const top = indexed.find({}).sort({ s: -1 }).limit(3)
    expect((await top.toArray()).map((d) => d.s)).toEqual(['other', 'name-zzz', 'name-299'])
    const explained = await indexed.find({}).sort({ s: -1 }).limit(3).explain('executionStats')
    expect(stages(explained)).toEqual(['FETCH', 'IXSCAN'])
    expect(explained.queryPlanner.winningPlan.inputStage.direction).toBe('backward')
    expect(explained.executionStats.totalDocsExamined).toBe(3)
    const newest = await indexed.find({ d: { $exists: true } }).sort({ d: -1 }).limit(1).toArray()
    expect(newest[0]!.d).toEqual(new Date(Date.UTC(2026, 0, 28)))
    // A multikey index cannot give the order (an array sorts by its smallest element): sorted in memory, still right.
    const multikey = await indexed.find({ k: { $gte: 0 } }).sort({ k: 1 }).toArray()
    expect(multikey.map((d) => d._id)).toEqual((await plain.find({ k: { $gte: 0 } }).sort({ k: 1 }).toArray()).map((d) => d._id))
    expect(stages(await indexed.find({ k: { $gte: 0 } }).sort({ k: 1 }).explain())).toContain('SORT')
  })

  it('keeps indexes right through updates, deletes, transactions, rollback and dropIndex', async () => {
    const items = mongo.db().collection('maintained')
    await items.createIndex({ tag: 1 })
    await items.insertMany([{ _id: new ObjectId(), tag: 'a' }, { tag: 'b' }, { tag: 'c' }])
    await items.updateOne({ tag: 'a' }, { $set: { tag: 'z' } })
    expect(await items.countDocuments({ tag: 'a' })).toBe(0)
    expect(await items.countDocuments({ tag: 'z' })).toBe(1)
    await items.replaceOne({ tag: 'b' }, { tag: ['x', 'y'] })
    expect(await items.countDocuments({ tag: 'y' })).toBe(1)
    await items.deleteOne({ tag: 'x' })
    expect(await items.countDocuments({ tag: { $in: ['x', 'y', 'b'] } })).toBe(0)

    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await items.insertOne({ tag: 'in-txn' }, { session })
      await items.updateOne({ tag: 'c' }, { $set: { tag: 'c2' } }, { session })
      expect(await items.findOne({ tag: 'in-txn' }, { session })).not.toBeNull()
      expect(await items.findOne({ tag: 'c2' }, { session })).not.toBeNull()
      expect(await items.findOne({ tag: 'in-txn' })).toBeNull()
      await session.abortTransaction()
      expect(await items.findOne({ tag: 'in-txn' })).toBeNull()
      expect(await items.findOne({ tag: 'c2' })).toBeNull()
      expect(await items.findOne({ tag: 'c' })).not.toBeNull()
      session.startTransaction()
      await items.updateOne({ tag: 'c' }, { $set: { tag: 'c3' } }, { session })
      await session.commitTransaction()
    } finally {
      await session.endSession()
    }
    expect(await items.findOne({ tag: 'c' })).toBeNull()
    expect(await items.findOne({ tag: 'c3' })).not.toBeNull()
    expect(stages(await items.find({ tag: 'c3' }).explain())).toEqual(['FETCH', 'IXSCAN'])
    await items.dropIndex('tag_1')
    expect(stages(await items.find({ tag: 'c3' }).explain())).toEqual(['COLLSCAN'])
    expect(await items.findOne({ tag: 'c3' })).not.toBeNull()
  })

  it('answers _id ranges and sorts from the _id index, kept up to date after its first use', async () => {
    const ids = mongo.db().collection<{ _id: number; v?: number }>('ids')
    await ids.insertMany([{ _id: 5 }, { _id: 1 }, { _id: 3 }])
    expect((await ids.find({ _id: { $gt: 1 } }).toArray()).map((d) => d._id)).toEqual([3, 5])
    await ids.insertMany([{ _id: 4 }, { _id: 0 }])
    await ids.deleteOne({ _id: 5 })
    expect((await ids.find({ _id: { $gt: 1 } }).toArray()).map((d) => d._id)).toEqual([3, 4])
    expect((await ids.find().sort({ _id: -1 }).limit(2).toArray()).map((d) => d._id)).toEqual([4, 3])
    const explained = await ids.find({ _id: { $gt: 1 } }).explain('executionStats')
    expect(explained.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: '_id_' })
    expect(explained.executionStats.totalDocsExamined).toBe(2)
  })

  it('follows hint: an index by name or key pattern, or $natural for a collection scan', async () => {
    const byName = await indexed.find({ g: 2, k: 22 }).hint('g_1_m_-1').explain('executionStats')
    expect(byName.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: 'g_1_m_-1', indexBounds: { g: ['[2, 2]'] } })
    expect(byName.executionStats.nReturned).toBe(1)
    const byKey = await indexed.find({ m: 1 }).hint({ s: 1 }).explain()
    expect(byKey.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: 's_1', indexBounds: { s: ['[MinKey, MaxKey]'] } })
    expect(byId(await indexed.find({ m: 1 }).hint({ s: 1 }).toArray())).toEqual(byId(await plain.find({ m: 1 }).toArray()))
    expect(stages(await indexed.find({ k: 25 }).hint({ $natural: 1 }).explain())).toEqual(['COLLSCAN'])
    expect(await indexed.countDocuments({ g: 3 }, { hint: 'g_1_m_-1' })).toBe(await plain.countDocuments({ g: 3 }))
    await expect(indexed.find({ k: 25 }).hint('nope').toArray()).rejects.toMatchObject({ code: 2 })
  })

  it('stays right across thousands of inserts, updates and deletes', async () => {
    const many = mongo.db().collection<{ _id: number; v: number }>('many')
    const same = mongo.db().collection<{ _id: number; v: number }>('many-plain')
    await many.createIndex({ v: 1 })
    const docs = Array.from({ length: 3000 }, (_, n) => ({ _id: n, v: (n * 7919) % 1000 }))
    await many.insertMany(docs)
    await same.insertMany(docs)
    for (const coll of [many, same]) {
      await coll.deleteMany({ v: { $gte: 200, $lt: 700 } })
      await coll.updateMany({ v: { $lt: 100 } }, { $inc: { v: 5000 } })
      await coll.insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: 10_000 + n, v: n })))
    }
    for (const query of [{ v: { $gte: 150, $lt: 250 } }, { v: { $gt: 4999 } }, { v: 42 }, { v: { $in: [1, 701, 5001] } }, { v: { $lte: 10 } }]) {
      const got = (await many.find(query).sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)
      expect({ query, got }).toEqual({ query, got: (await same.find(query).sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id) })
    }
    const top = await many.find().sort({ v: -1 }).limit(5).toArray()
    expect(top.map((d) => d.v)).toEqual((await same.find().sort({ v: -1 }).limit(5).toArray()).map((d) => d.v))
  })

  it('skips sparse indexes for queries that match missing fields', async () => {
    const sparse = mongo.db().collection('sparse')
    await sparse.createIndex({ v: 1 }, { sparse: true })
    await sparse.insertMany([{ v: 1 }, { w: 1 }, { v: null }])
    expect(await sparse.countDocuments({ v: null })).toBe(2)
    expect(stages(await sparse.find({ v: null }).explain())).toEqual(['COLLSCAN'])
    expect(stages(await sparse.find({ v: 1 }).explain())).toEqual(['FETCH', 'IXSCAN'])
  })
})
