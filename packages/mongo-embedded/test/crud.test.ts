import { Decimal128, Double, Int32, Long, ObjectId, type Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

describe('CRUD through the official driver', () => {
  it('inserts, finds, updates and deletes', async () => {
    const users = mongo.db().collection('users')
    const { insertedId } = await users.insertOne({ name: 'ada', age: 36 })
    expect(insertedId).toBeInstanceOf(ObjectId)
    await users.insertMany([{ name: 'bob', age: 20 }, { name: 'cy', age: 50 }])
    expect(await users.findOne({ _id: insertedId })).toEqual({ _id: insertedId, name: 'ada', age: 36 })
    expect((await users.find({ age: { $gte: 30 } }).sort({ age: 1 }).toArray()).map((u) => u.name)).toEqual(['ada', 'cy'])

    const updated = await users.updateMany({ age: { $lt: 40 } }, { $inc: { age: 1 } })
    expect(updated).toMatchObject({ matchedCount: 2, modifiedCount: 1 + 1 })
    const noop = await users.updateOne({ name: 'ada' }, { $set: { age: 37 } })
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 })

    const replaced = await users.replaceOne({ name: 'bob' }, { name: 'bob', role: 'admin' })
    expect(replaced.modifiedCount).toBe(1)
    expect(await users.findOne({ name: 'bob' }, { projection: { _id: 0 } })).toEqual({ name: 'bob', role: 'admin' })

    expect((await users.deleteOne({ name: 'cy' })).deletedCount).toBe(1)
    expect(await users.countDocuments()).toBe(2)
    expect(await users.estimatedDocumentCount()).toBe(2)
    expect((await users.deleteMany({})).deletedCount).toBe(2)
  })

  it('refuses a duplicate _id with 11000 and reports the index', async () => {
    const items = mongo.db().collection<Document>('dups')
    await items.insertOne({ _id: 'x' as never })
    const error = await items.insertOne({ _id: 'x' as never }).catch((e) => e)
    expect(error.code).toBe(11000)
    expect(error.message).toMatch(/E11000 duplicate key error collection: .*\.dups index: _id_ dup key: \{ _id: "x" \}/)
  })

  it('reports per-document write errors of an unordered insertMany and keeps the rest', async () => {
    const items = mongo.db().collection<{ _id: number }>('bulk')
    const error = await items.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }], { ordered: false }).catch((e) => e)
    expect(error.code).toBe(11000)
    expect(error.writeErrors).toHaveLength(1)
    expect(error.writeErrors[0].index).toBe(1)
    expect(await items.countDocuments()).toBe(2)
  })

  it('upserts, seeding the document from the filter and applying $setOnInsert only on insert', async () => {
    const counters = mongo.db().collection('counters')
    const first = await counters.updateOne({ name: 'hits', 'meta.kind': 'page' }, { $inc: { n: 1 }, $setOnInsert: { created: true } }, { upsert: true })
    expect(first.upsertedCount).toBe(1)
    await counters.updateOne({ name: 'hits', 'meta.kind': 'page' }, { $inc: { n: 1 }, $setOnInsert: { created: false } }, { upsert: true })
    expect(await counters.findOne({ name: 'hits' }, { projection: { _id: 0 } })).toEqual({ name: 'hits', meta: { kind: 'page' }, n: 2, created: true })
  })

  it('a replacement upsert on a filter without _id gives the new document an ObjectId, each time', async () => {
    const settings = mongo.db().collection('settings')
    const first = await settings.replaceOne({ key: 'a' }, { key: 'a', v: 1 }, { upsert: true })
    expect(first).toMatchObject({ upsertedCount: 1, matchedCount: 0, upsertedId: expect.any(ObjectId) })
    const second = await settings.replaceOne({ key: 'b' }, { key: 'b', v: 2 }, { upsert: true })
    expect(second).toMatchObject({ upsertedCount: 1, upsertedId: expect.any(ObjectId) })
    const stored = await settings.find().sort({ key: 1 }).toArray()
    expect(stored).toEqual([
      { _id: first.upsertedId, key: 'a', v: 1 },
      { _id: second.upsertedId, key: 'b', v: 2 },
    ])
    // Replacing it again matches by the filter and keeps the id.
    expect(await settings.replaceOne({ key: 'a' }, { key: 'a', v: 3 }, { upsert: true })).toMatchObject({ matchedCount: 1, upsertedCount: 0 })
    expect(await settings.findOne({ key: 'a' })).toEqual({ _id: first.upsertedId, key: 'a', v: 3 })
  })

  it('findOneAndUpdate / findOneAndDelete return the before or after document', async () => {
    const jobs = mongo.db().collection('jobs')
    await jobs.insertMany([{ n: 1, state: 'new' }, { n: 2, state: 'new' }])
    const before = await jobs.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { n: -1 } })
    expect(before).toMatchObject({ n: 2, state: 'new' })
    const after = await jobs.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { returnDocument: 'after' })
    expect(after).toMatchObject({ n: 1, state: 'taken' })
    const upserted = await jobs.findOneAndUpdate({ n: 3 }, { $set: { state: 'new' } }, { upsert: true, returnDocument: 'after', projection: { _id: 0 } })
    expect(upserted).toEqual({ n: 3, state: 'new' })
    expect(await jobs.findOneAndDelete({ n: 1 }, { projection: { _id: 0, n: 1 } })).toEqual({ n: 1 })
    expect(await jobs.findOneAndUpdate({ n: 99 }, { $set: { x: 1 } })).toBeNull()
  })

  it('errors like MongoDB on $inc of a string, $push onto a non-array and a changed _id', async () => {
    const things = mongo.db().collection('things')
    await things.insertOne({ _id: 'a' as never, s: 'text', n: 1 })
    await expect(things.updateOne({ _id: 'a' as never }, { $inc: { s: 1 } as never })).rejects.toMatchObject({ code: 14 })
    await expect(things.updateOne({ _id: 'a' as never }, { $push: { n: 2 } as never })).rejects.toMatchObject({ code: 2 })
    await expect(things.updateOne({ _id: 'a' as never }, { $set: { _id: 'b' } as never })).rejects.toMatchObject({ code: 66 })
    expect(await things.findOne({ _id: 'a' as never })).toEqual({ _id: 'a', s: 'text', n: 1 })
  })

  it('applies positional, arrayFilters and pipeline updates', async () => {
    const orders = mongo.db().collection('orders')
    await orders.insertOne({ _id: 1 as never, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }], total: 6 })
    await orders.updateOne({ _id: 1 as never, 'items.sku': 'b' }, { $set: { 'items.$.qty': 6 } })
    await orders.updateOne({ _id: 1 as never }, { $inc: { 'items.$[big].qty': 10 } }, { arrayFilters: [{ 'big.qty': { $gt: 5 } }] })
    await orders.updateOne({ _id: 1 as never }, [{ $set: { total: { $sum: '$items.qty' } } }])
    expect(await orders.findOne({ _id: 1 as never })).toEqual({ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 16 }], total: 17 })
  })

  it('keeps BSON numeric types, and compares, sorts and sums them as numbers', async () => {
    const nums = mongo.db().collection('nums')
    await nums.insertMany([
      { k: 'int', v: new Int32(3) },
      { k: 'long', v: Long.fromNumber(1) },
      { k: 'double', v: new Double(2.5) },
      { k: 'decimal', v: Decimal128.fromString('4.25') },
    ])
    const sorted = await nums.find({ v: { $gt: 1 } }, { promoteValues: false, projection: { _id: 0 } }).sort({ v: -1 }).toArray()
    expect(sorted.map((d) => d.k)).toEqual(['decimal', 'int', 'double'])
    expect(sorted[1]!.v).toBeInstanceOf(Int32)
    expect(sorted[2]!.v).toBeInstanceOf(Double)
    const long = await nums.findOne({ k: 'long' }, { promoteLongs: false })
    expect(long!.v).toBeInstanceOf(Long)
    const [sum] = await nums.aggregate([{ $group: { _id: null, total: { $sum: '$v' } } }]).toArray()
    expect(Number(sum!.total)).toBeCloseTo(10.75)
    expect(await nums.countDocuments({ v: { $type: 'long' } })).toBe(1)
    expect(await nums.countDocuments({ v: { $type: 'number' } })).toBe(4)
    await nums.updateOne({ k: 'long' }, { $inc: { v: 1 } })
    expect((await nums.findOne({ k: 'long' }, { promoteLongs: false }))!.v).toEqual(Long.fromNumber(2))
  })

  it('round-trips ObjectId, Date, Binary, Timestamp and RegExp, with _id first', async () => {
    const { Binary, Timestamp } = await import('mongodb')
    const values = mongo.db().collection('values')
    const doc = { a: 1, when: new Date(1700000000000), bin: new Binary(Buffer.from([1, 2, 3])), ts: new Timestamp({ t: 5, i: 6 }), re: /ab+c/i, ref: new ObjectId() }
    await values.insertOne(doc)
    const found = await values.findOne({ ref: doc.ref })
    expect(Object.keys(found!)[0]).toBe('_id')
    expect(found).toMatchObject({ a: 1, when: doc.when, ts: doc.ts, re: /ab+c/i, ref: doc.ref })
    expect(Buffer.from(found!.bin.buffer)).toEqual(Buffer.from([1, 2, 3]))
    expect(await values.countDocuments({ ref: { $type: 'objectId' } })).toBe(1)
  })

  it('applies the array and field update operators', async () => {
    const docs = mongo.db().collection<{ _id: string } & Document>('operators')
    await docs.insertOne({ _id: 'p', l: [3, 1], m: 5, o: { a: 1, b: 2 }, xs: [{ v: 1 }, { v: 2 }] })
    const update = (u: Document) => docs.updateOne({ _id: 'p' }, u)
    await update({ $push: { l: { $each: [2, 5], $sort: 1, $slice: 3 } } })
    await update({ $addToSet: { l: { $each: [1, 9] } } })
    await update({ $pull: { l: { $gte: 5 } } })
    await update({ $rename: { l: 'list' } })
    await update({ $min: { m: 3 }, $max: { mm: 7 }, $mul: { z: 2 } })
    await update({ $unset: { 'o.a': 1 } })
    await update({ $inc: { 'xs.$[].v': 10 } })
    await update({ $pop: { xs: -1 } })
    expect(await docs.findOne({ _id: 'p' })).toEqual({ _id: 'p', m: 3, o: { b: 2 }, xs: [{ v: 12 }], list: [1, 2, 3], mm: 7, z: 0 })
  })

  it('applies unacknowledged (w: 0) writes', async () => {
    const docs = mongo.db().collection('w0')
    await docs.insertOne({ fireAndForget: true }, { writeConcern: { w: 0 } })
    // The next command on the same server is answered after the earlier one was applied.
    await expect.poll(() => docs.countDocuments({ fireAndForget: true }), { timeout: 5000 }).toBe(1)
  })

  it('runs window functions and $facet in aggregation', async () => {
    const scores = mongo.db().collection('scores')
    await scores.insertMany([{ p: 'a', s: 3 }, { p: 'b', s: 1 }, { p: 'c', s: 2 }])
    const ranked = await scores.aggregate([{ $setWindowFields: { sortBy: { s: -1 }, output: { rank: { $rank: {} } } } }, { $project: { _id: 0, p: 1, rank: 1 } }]).toArray()
    expect(ranked).toEqual([{ p: 'a', rank: 1 }, { p: 'c', rank: 2 }, { p: 'b', rank: 3 }])
    const [facets] = await scores.aggregate([{ $facet: { total: [{ $count: 'n' }], best: [{ $sort: { s: -1 } }, { $limit: 1 }, { $project: { _id: 0, p: 1 } }] } }]).toArray()
    expect(facets).toEqual({ total: [{ n: 3 }], best: [{ p: 'a' }] })
  })

  it('runs pipeline updates and let variables with the numbers the driver sends as Int32', async () => {
    const docs = mongo.db().collection<Document>('pipelines')
    await docs.insertMany([{ _id: 1, x: 1, y: 1 }, { _id: 2, x: 2, y: 1 }] as Document[])
    await docs.updateMany({}, [{ $project: { x: 1 } }, { $addFields: { foo: 1 } }])
    await docs.updateOne({ $expr: { $eq: ['$_id', '$$id'] } }, [{ $set: { label: '$$label' } }], { let: { id: 2, label: { $literal: '$two' } } })
    expect(await docs.find().toArray()).toEqual([{ _id: 1, x: 1, foo: 1 }, { _id: 2, x: 2, foo: 1, label: '$two' }])
  })
})
