import { type AnyClientBulkWriteModel, type Document, MinKey, MaxKey, ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

describe('cursors, sort and projection', () => {
  it('iterates a large result across several getMore batches, with skip, limit and batchSize', async () => {
    const numbers = mongo.db().collection('numbers')
    await numbers.insertMany(Array.from({ length: 1234 }, (_, n) => ({ n })))
    const all = await numbers.find({}, { batchSize: 100 }).sort({ n: -1 }).toArray()
    expect(all).toHaveLength(1234)
    expect(all[0]!.n).toBe(1233)
    expect(all.at(-1)!.n).toBe(0)
    const page = await numbers.find({ n: { $gte: 100 } }).sort({ n: 1 }).skip(10).limit(250).batchSize(7).toArray()
    expect(page.map((d) => d.n)).toEqual(Array.from({ length: 250 }, (_, i) => 110 + i))
    const cursor = numbers.find({}, { batchSize: 2 })
    await cursor.next()
    await cursor.close() // killCursors on an open cursor
    const seen = []
    for await (const doc of numbers.aggregate([{ $match: { n: { $lt: 300 } } }, { $sort: { n: 1 } }], { batchSize: 50 })) seen.push(doc.n)
    expect(seen).toHaveLength(300)
  })

  it('sorts mixed types in BSON order and arrays by their min (asc) or max (desc) element', async () => {
    const mixed = mongo.db().collection<{ _id: string; v?: unknown }>('mixed')
    await mixed.insertMany([
      { _id: 'str', v: 'a' },
      { _id: 'num', v: 5 },
      { _id: 'null', v: null },
      { _id: 'missing' },
      { _id: 'obj', v: { a: 1 } },
      { _id: 'oid', v: new ObjectId('000000000000000000000001') },
      { _id: 'bool', v: true },
      { _id: 'date', v: new Date(0) },
      { _id: 'min', v: new MinKey() },
      { _id: 'max', v: new MaxKey() },
    ])
    const ascending = (await mixed.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)
    expect(ascending).toEqual(['min', 'missing', 'null', 'num', 'str', 'obj', 'oid', 'bool', 'date', 'max'])

    const arrays = mongo.db().collection<{ _id: string; v: unknown }>('arrays')
    await arrays.insertMany([{ _id: 'a', v: [1, 10] }, { _id: 'b', v: [5] }, { _id: 'c', v: 7 }])
    expect((await arrays.find().sort({ v: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'b', 'c'])
    expect((await arrays.find().sort({ v: -1 }).toArray()).map((d) => d._id)).toEqual(['a', 'c', 'b'])
  })

  it('projects inclusions, exclusions, nested paths, $slice and $elemMatch, with _id first', async () => {
    const people = mongo.db().collection('people')
    const _id = new ObjectId()
    await people.insertOne({ name: 'ada', _id, address: { city: 'London', zip: 'N1' }, tags: ['a', 'b', 'c'], scores: [{ k: 'x', v: 1 }, { k: 'y', v: 2 }] })
    const included = await people.findOne({ _id }, { projection: { 'address.city': 1, name: 1 } })
    expect(included).toEqual({ _id, name: 'ada', address: { city: 'London' } })
    expect(Object.keys(included!)).toEqual(['_id', 'name', 'address'])
    expect(await people.findOne({ _id }, { projection: { tags: 0, scores: 0, address: 0 } })).toEqual({ _id, name: 'ada' })
    expect(await people.findOne({ _id }, { projection: { _id: 0, tags: { $slice: 2 } } })).toMatchObject({ tags: ['a', 'b'] })
    expect(await people.findOne({ _id }, { projection: { _id: 0, scores: { $elemMatch: { k: 'y' } } } })).toEqual({ scores: [{ k: 'y', v: 2 }] })
    await expect(people.findOne({ _id }, { projection: { name: 1, tags: 0 } })).rejects.toThrow()
  })

  it('answers count, distinct and aggregation with $lookup, $group and $out', async () => {
    const db = mongo.db()
    await db.collection('authors').insertMany([{ _id: 1 as never, name: 'ada' }, { _id: 2 as never, name: 'bob' }])
    await db.collection('books').insertMany([
      { author: 1, title: 'x', tags: ['a', 'b'] },
      { author: 1, title: 'y', tags: ['b'] },
      { author: 2, title: 'z', tags: [] },
    ])
    expect(await db.collection('books').distinct('tags')).toEqual(['a', 'b'])
    expect(await db.collection('books').countDocuments({ author: 1 })).toBe(2)
    const perAuthor = await db
      .collection('books')
      .aggregate([
        { $group: { _id: '$author', books: { $sum: 1 } } },
        { $lookup: { from: 'authors', localField: '_id', foreignField: '_id', as: 'author' } },
        { $project: { _id: 0, name: { $first: '$author.name' }, books: 1 } },
        { $sort: { name: 1 } },
      ])
      .toArray()
    expect(perAuthor).toEqual([{ books: 2, name: 'ada' }, { books: 1, name: 'bob' }])
    await db.collection('books').aggregate([{ $match: { author: 1 } }, { $project: { title: 1 } }, { $out: 'adaBooks' }]).toArray()
    expect(await db.collection('adaBooks').countDocuments()).toBe(2)
    const titles = await db.collection('books').aggregate([{ $project: { _id: 0, t: '$title' } }, { $unionWith: { coll: 'authors', pipeline: [{ $project: { _id: 0, t: '$name' } }] } }, { $sort: { t: 1 } }]).toArray()
    expect(titles.map((d) => d.t)).toEqual(['ada', 'bob', 'x', 'y', 'z'])
    await db.collection('authors').aggregate([{ $project: { books: { $literal: 0 } } }, { $merge: { into: 'authorStats' } }]).toArray()
    await db.collection('books').aggregate([{ $group: { _id: '$author', books: { $sum: 1 } } }, { $merge: { into: 'authorStats', whenMatched: 'merge' } }]).toArray()
    expect(await db.collection('authorStats').find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, books: 2 }, { _id: 2, books: 1 }])
  })
})

describe('indexes and collections', () => {
  it('enforces unique, compound and sparse indexes with MongoDB wording', async () => {
    const users = mongo.db().collection('idx')
    expect(await users.createIndex({ email: 1 }, { unique: true })).toBe('email_1')
    await users.createIndex({ org: 1, handle: 1 }, { unique: true, name: 'org_handle' })
    await users.createIndex({ nick: 1 }, { unique: true, sparse: true })
    await users.insertOne({ email: 'a@x', org: 'o', handle: 'h' })
    const dup = await users.insertOne({ email: 'a@x', org: 'o', handle: 'other' }).catch((e) => e)
    expect(dup.code).toBe(11000)
    expect(dup.message).toBe(`E11000 duplicate key error collection: ${mongo.db().databaseName}.idx index: email_1 dup key: { email: "a@x" }`)
    expect(dup.keyValue).toEqual({ email: 'a@x' })
    await expect(users.insertOne({ email: 'b@x', org: 'o', handle: 'h' })).rejects.toMatchObject({ code: 11000 })
    await users.insertOne({ email: 'c@x', org: 'o', handle: 'h2' }) // no nick: sparse allows many
    await expect(users.updateOne({ email: 'c@x' }, { $set: { email: 'a@x' } })).rejects.toMatchObject({ code: 11000 })
    const names = (await users.listIndexes().toArray()).map((index) => index.name)
    expect(names).toEqual(['_id_', 'email_1', 'org_handle', 'nick_1'])
    await users.dropIndex('email_1')
    await users.insertOne({ email: 'a@x', org: 'p', handle: 'h' })
    await expect(users.createIndex({ email: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 })
    await expect(users.dropIndex('nope')).rejects.toMatchObject({ code: 27 })
  })

  it('creates, lists, renames and drops collections and databases', async () => {
    const db = mongo.db()
    await db.createCollection('made')
    await expect(db.createCollection('made')).rejects.toMatchObject({ code: 48 })
    await db.collection('made').insertOne({ a: 1 })
    expect((await db.listCollections({ name: 'made' }).toArray()).map((c) => c.name)).toEqual(['made'])
    await db.collection('made').rename('renamed')
    expect(await db.collection('renamed').countDocuments()).toBe(1)
    expect(await db.collection('made').countDocuments()).toBe(0)
    expect(await db.collection('renamed').drop()).toBe(true)
    const other = mongo.client().db(`${db.databaseName}_other`)
    await other.collection('c').insertOne({})
    const { databases } = await mongo.client().db('admin').admin().listDatabases()
    expect(databases.map((d) => d.name)).toContain(other.databaseName)
    await other.dropDatabase()
    const after = await mongo.client().db('admin').admin().listDatabases({ nameOnly: true })
    expect(after.databases.map((d) => d.name)).not.toContain(other.databaseName)
  })

  it('answers an unknown command with CommandNotFound (59)', async () => {
    await expect(mongo.db().command({ noSuchThing: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' })
  })
})

describe('more commands', () => {
  it('runs MongoClient.bulkWrite (the 8.0 bulkWrite command) across collections', async () => {
    const db = mongo.db().databaseName
    const result = await mongo.client().bulkWrite(
      [
        { name: 'insertOne', namespace: `${db}.bulkA`, document: { _id: 1, v: 1 } },
        { name: 'insertOne', namespace: `${db}.bulkB`, document: { _id: 1, v: 1 } },
        { name: 'updateOne', namespace: `${db}.bulkA`, filter: { _id: 1 }, update: { $inc: { v: 1 } } },
        { name: 'updateOne', namespace: `${db}.bulkA`, filter: { _id: 2 }, update: { $set: { v: 9 } }, upsert: true },
        { name: 'deleteMany', namespace: `${db}.bulkB`, filter: {} },
      ] as AnyClientBulkWriteModel<Document>[],
      { verboseResults: true },
    )
    expect(result).toMatchObject({ insertedCount: 2, matchedCount: 1, modifiedCount: 1, upsertedCount: 1, deletedCount: 1 })
    expect(await mongo.db().collection('bulkA').find().toArray()).toEqual([{ _id: 1, v: 2 }, { _id: 2, v: 9 }])
  })

  it('sorts arrays in aggregation $sort the way MongoDB does', async () => {
    const arrays = mongo.db().collection<{ _id: string; v: unknown }>('aggArrays')
    await arrays.insertMany([{ _id: 'a', v: [1, 10] }, { _id: 'b', v: [5] }, { _id: 'c', v: 7 }])
    const descending = await arrays.aggregate([{ $sort: { v: -1 } }, { $project: { _id: 1 } }]).toArray()
    expect(descending.map((d) => d._id)).toEqual(['a', 'c', 'b'])
  })
})
