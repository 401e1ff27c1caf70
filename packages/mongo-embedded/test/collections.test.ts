import { MongoBulkWriteError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { errorOf, useMongo } from './support.js'

const mongo = useMongo()

describe('collection validators', () => {
  const schema = {
    bsonType: 'object',
    required: ['name', 'age'],
    properties: { name: { bsonType: 'string', minLength: 2 }, age: { bsonType: 'int', minimum: 0 }, tags: { bsonType: 'array', items: { enum: ['a', 'b'] } } },
  }

  it('refuses documents failing $jsonSchema with 121 and errInfo, on insert, update and replace', async () => {
    const people = await mongo.db().createCollection('people', { validator: { $jsonSchema: schema } })
    await people.insertOne({ name: 'ada', age: 36 })
    const missing = await errorOf(people.insertOne({ name: 'bob' }))
    expect({ code: missing.code, codeName: missing.codeName, message: missing.message }).toEqual({ code: 121, codeName: 'DocumentValidationFailure', message: 'Document failed validation' })
    expect(missing.errInfo).toMatchObject({ details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: [{ operatorName: 'required', missingProperties: ['age'] }] } })
    expect(missing.errInfo?.failingDocumentId).toBeDefined()
    const typed = await errorOf(people.insertOne({ name: 'cy', age: 'old' }))
    expect(typed.errInfo?.details.schemaRulesNotSatisfied[0]).toMatchObject({
      operatorName: 'properties',
      propertiesNotSatisfied: [{ propertyName: 'age', details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'int' }, reason: 'type did not match', consideredValue: 'old', consideredType: 'string' }] }],
    })
    expect((await errorOf(people.updateOne({ name: 'ada' }, { $set: { age: -1 } }))).code).toBe(121)
    expect((await errorOf(people.replaceOne({ name: 'ada' }, { name: 'x', age: 1 }))).code).toBe(121)
    expect((await errorOf(people.updateOne({ name: 'ada' }, { $set: { tags: ['a', 'z'] } }))).code).toBe(121)
    const bulk = await errorOf(people.insertMany([{ name: 'ok', age: 1 }, { name: 'no' }], { ordered: false }))
    expect(bulk).toBeInstanceOf(MongoBulkWriteError)
    expect((bulk as unknown as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 121 }])
    await people.insertOne({ name: 'bypass' }, { bypassDocumentValidation: true })
    expect(await people.countDocuments()).toBe(3)
  })

  it('honours query-operator validators, validationLevel moderate/off and validationAction warn', async () => {
    const orders = await mongo.db().createCollection('orders', { validator: { qty: { $gt: 0 } } })
    await orders.insertOne({ qty: 1 })
    expect((await errorOf(orders.insertOne({ qty: 0 }))).code).toBe(121)
    await orders.insertOne({ qty: -5 }, { bypassDocumentValidation: true })
    await mongo.db().command({ collMod: 'orders', validationLevel: 'moderate' })
    // Moderate: an update of a document that already failed the validator is let through; valid ones stay checked.
    await orders.updateOne({ qty: -5 }, { $set: { note: 'legacy' } })
    expect((await errorOf(orders.updateOne({ qty: 1 }, { $set: { qty: 0 } }))).code).toBe(121)
    await mongo.db().command({ collMod: 'orders', validationAction: 'warn' })
    await orders.insertOne({ qty: 0 })
    await mongo.db().command({ collMod: 'orders', validationAction: 'error', validationLevel: 'off' })
    await orders.insertOne({ qty: -1 })
    expect(await orders.countDocuments()).toBe(4)
    const bad = await errorOf(mongo.db().createCollection('bad', { validator: { $jsonSchema: { bsonType: 'object', nope: 1 } } }))
    expect(bad.code).toBe(9)
    expect((await errorOf(mongo.db().createCollection('bad2', { validationLevel: 'sometimes' as never }))).code).toBe(2)
  })
})

describe('views', () => {
  it('creates a view on a collection and reads it through find, count, distinct, aggregate and estimatedDocumentCount', async () => {
    const db = mongo.db()
    await db.collection('sales').insertMany([
      { item: 'a', qty: 5, region: 'n' },
      { item: 'b', qty: 0, region: 's' },
      { item: 'c', qty: 12, region: 'n' },
    ])
    await db.createCollection('instock', { viewOn: 'sales', pipeline: [{ $match: { qty: { $gt: 0 } } }, { $project: { _id: 0, item: 1, qty: 1, region: 1 } }] })
    const view = db.collection('instock')
    expect(await view.find({}, { sort: { qty: -1 } }).toArray()).toEqual([{ item: 'c', qty: 12, region: 'n' }, { item: 'a', qty: 5, region: 'n' }])
    expect(await view.find({ qty: { $lt: 10 } }, { projection: { item: 1 } }).toArray()).toEqual([{ item: 'a' }])
    expect(await view.countDocuments({ region: 'n' })).toBe(2)
    expect(await view.estimatedDocumentCount()).toBe(2)
    expect(await view.distinct('region')).toEqual(['n'])
    expect(await view.aggregate([{ $group: { _id: null, total: { $sum: '$qty' } } }]).toArray()).toEqual([{ _id: null, total: 17 }])
    // A view of a view, and the catalog entry.
    await db.createCollection('bigstock', { viewOn: 'instock', pipeline: [{ $match: { qty: { $gte: 10 } } }] })
    expect(await db.collection('bigstock').find().toArray()).toEqual([{ item: 'c', qty: 12, region: 'n' }])
    const [entry] = await db.listCollections({ name: 'instock' }).toArray()
    expect(entry).toMatchObject({ name: 'instock', type: 'view', options: { viewOn: 'sales' }, info: { readOnly: true } })
  })

  it('refuses writes and indexes on a view with 166', async () => {
    const db = mongo.db()
    await db.createCollection('ro', { viewOn: 'sales', pipeline: [] })
    const view = db.collection('ro')
    const attempts = [() => view.insertOne({ a: 1 }), () => view.updateOne({}, { $set: { a: 1 } }), () => view.deleteMany({}), () => view.createIndex({ a: 1 }), () => view.listIndexes().toArray()]
    for (const write of attempts) {
      const error = await errorOf(write())
      expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 166, codeName: 'CommandNotSupportedOnView' })
    }
    expect((await errorOf(db.createCollection('bad', { viewOn: 'sales', pipeline: [{ $out: 'x' }] }))).code).toBe(51047)
  })
})

describe('collation', () => {
  it('matches and sorts case- and accent-insensitively at strength 1 and 2, and by case at 3', async () => {
    const names = mongo.db().collection('names')
    await names.insertMany([{ n: 'resume' }, { n: 'Résumé' }, { n: 'RESUME' }, { n: 'apple' }, { n: 'Banana' }])
    const count = (strength: number) => names.countDocuments({ n: 'resume' }, { collation: { locale: 'fr', strength } })
    expect(await count(1)).toBe(3)
    expect(await count(2)).toBe(2)
    expect(await count(3)).toBe(1)
    expect(await names.find({ n: 'résumé' }).collation({ locale: 'en', strength: 1 }).count()).toBe(3)
    expect(await names.find({ n: { $in: ['APPLE', 'banana'] } }).collation({ locale: 'en', strength: 2 }).toArray()).toHaveLength(2)
    const sorted = await names.find({}, { projection: { _id: 0 } }).sort({ n: 1 }).collation({ locale: 'en' }).toArray()
    expect(sorted.map((d) => d.n)).toEqual(['apple', 'Banana', 'resume', 'RESUME', 'Résumé'])
    const binary = await names.find({}, { projection: { _id: 0 } }).sort({ n: 1 }).toArray()
    expect(binary.map((d) => d.n)).toEqual(['Banana', 'RESUME', 'Résumé', 'apple', 'resume'])
    const aggregated = await names.aggregate([{ $sort: { n: -1 } }, { $limit: 1 }], { collation: { locale: 'en' } }).toArray()
    expect(aggregated[0]!.n).toBe('Résumé')
    const updated = await names.updateMany({ n: 'RESUME' }, { $set: { seen: true } }, { collation: { locale: 'en', strength: 2 } })
    expect(updated.modifiedCount).toBe(2)
    expect((await names.deleteMany({ n: 'BANANA' }, { collation: { locale: 'en', strength: 1 } })).deletedCount).toBe(1)
  })
})

describe('MongoDB 7.0 compatibility', () => {
  it('refuses update statements with sort, as 7.0 does (8.0 added it)', async () => {
    const items = mongo.db().collection('sorted-updates')
    await items.insertMany([{ n: 1 }, { n: 2 }])
    const error = await errorOf(mongo.db().command({ update: 'sorted-updates', updates: [{ q: {}, u: { $set: { x: 1 } }, sort: { n: -1 } }] }))
    expect({ code: error.code, message: error.message }).toEqual({ code: 40415, message: "BSON field 'update.updates.sort' is an unknown field." })
    expect(await items.countDocuments({ x: 1 })).toBe(0)
    // findOneAndUpdate's sort (findAndModify) has always been allowed.
    expect(await items.findOneAndUpdate({}, { $set: { x: 1 } }, { sort: { n: -1 } })).toMatchObject({ n: 2 })
  })

  it('stores and finds a null _id (the driver replaces a null _id on insertOne, so this uses the insert command)', async () => {
    const db = mongo.db()
    await db.command({ insert: 'nulls', documents: [{ _id: null, a: 1 }] })
    expect(await db.collection<{ _id: null; a?: number }>('nulls').countDocuments({ _id: null })).toBe(1)
    expect(await db.collection<{ _id: null; a?: number }>('nulls').findOne({ _id: null })).toEqual({ _id: null, a: 1 })
    const duplicate = await db.command({ insert: 'nulls', documents: [{ _id: null }] })
    expect(duplicate.writeErrors[0].code).toBe(11000)
  })
})

describe('aggregation extras', () => {
  it('reports keyPattern and keyValue when $merge with whenMatched fail hits an existing document', async () => {
    const db = mongo.db()
    await db.collection<{ _id: number; v: string }>('merge-src').insertMany([{ _id: 1, v: 'a' }, { _id: 2, v: 'b' }])
    await db.collection<{ _id: number; v: string }>('merge-dst').insertOne({ _id: 2, v: 'old' })
    const error = await errorOf(db.collection('merge-src').aggregate([{ $merge: { into: 'merge-dst', whenMatched: 'fail' } }]).toArray())
    expect({ code: error.code, keyPattern: error.keyPattern, keyValue: error.keyValue }).toEqual({ code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 2 } })
    expect(error.message).toContain('index: _id_ dup key: { _id: 2 }')
  })

  it('lists the sessions in use with $listLocalSessions on admin', async () => {
    const session = mongo.client().startSession()
    try {
      await mongo.db().collection('touch').insertOne({ a: 1 }, { session })
      const listed = await mongo.client().db('admin').aggregate([{ $listLocalSessions: {} }]).toArray()
      const ids = listed.map((entry) => entry._id.id.toString('hex'))
      expect(ids).toContain(session.id!.id.toString('hex'))
      expect(listed[0]).toMatchObject({ _id: { uid: expect.anything() }, lastUse: expect.any(Date) })
      const error = await errorOf(mongo.db().collection('touch').aggregate([{ $listLocalSessions: {} }]).toArray())
      expect(error.code).toBe(50787)
    } finally {
      await session.endSession()
    }
  })
})

describe('clustered collections', () => {
  it('lists the clustered _id index and the clusteredIndex option', async () => {
    const db = mongo.db()
    const clustered = await db.createCollection('clustered', { clusteredIndex: { key: { _id: 1 }, unique: true, name: 'by_id' } })
    await clustered.insertOne({ _id: 1 as never, a: 1 })
    expect(await clustered.listIndexes().toArray()).toEqual([{ v: 2, key: { _id: 1 }, name: 'by_id', unique: true, clustered: true }])
    const [entry] = await db.listCollections({ name: 'clustered' }).toArray()
    expect(entry).toMatchObject({ options: { clusteredIndex: { key: { _id: 1 }, unique: true, name: 'by_id' } } })
    expect((entry as { idIndex?: unknown }).idIndex).toBeUndefined()
    expect((await errorOf(db.createCollection('bad-clustered', { clusteredIndex: { key: { a: 1 }, unique: true } }))).code).toBe(2)
  })
})
