import { type Collection, MongoServerError } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { errorOf, useMongo } from './support.js'

const mongo = useMongo()

describe('maxTimeMS', () => {
  let big: Collection
  beforeAll(async () => {
    big = mongo.db().collection('big')
    // Enough documents that scanning them with an unindexed filter takes far longer than 1 ms on any machine.
    const docs = Array.from({ length: 40_000 }, (_, n) => ({ n, text: `value ${n}`, group: n % 10 }))
    await big.insertMany(docs)
  })
  const slow = { text: { $regex: 'no such text' }, group: { $gte: 0 } }

  it('fails find, aggregate, count and distinct that run past it with MaxTimeMSExpired (50)', async () => {
    for (const operation of [
      () => big.find(slow).maxTimeMS(1).toArray(),
      () => big.aggregate([{ $match: slow }], { maxTimeMS: 1 }).toArray(),
      () => big.aggregate([{ $group: { _id: '$group', n: { $sum: 1 } } }, { $sort: { _id: 1 } }], { maxTimeMS: 1 }).toArray(),
      () => big.countDocuments(slow, { maxTimeMS: 1 }),
      () => big.distinct('group', slow, { maxTimeMS: 1 }),
    ]) {
      const error = await errorOf(operation())
      expect(error).toBeInstanceOf(MongoServerError)
      expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 50, codeName: 'MaxTimeMSExpired' })
    }
  })

  it('fails filtered writes that run past it, writing nothing', async () => {
    for (const operation of [
      () => big.updateMany(slow, { $set: { touched: true } }, { maxTimeMS: 1 }),
      () => big.deleteMany(slow, { maxTimeMS: 1 }),
      () => big.findOneAndUpdate(slow, { $set: { touched: true } }, { maxTimeMS: 1 }),
    ]) {
      expect((await errorOf(operation())).code).toBe(50)
    }
    expect(await big.countDocuments({ touched: true })).toBe(0)
    expect(await big.estimatedDocumentCount()).toBe(40_000)
  })

  it('lets operations within the limit finish, and refuses a negative limit', async () => {
    expect(await big.find({ n: 5 }).maxTimeMS(60_000).toArray()).toHaveLength(1)
    expect(await big.countDocuments({ group: 1 }, { maxTimeMS: 60_000 })).toBe(4_000)
    // A getMore inherits the find's work; its own maxTimeMS is only the await time of tailable cursors.
    const cursor = big.find({ group: 2 }).batchSize(10).maxTimeMS(60_000)
    expect(await cursor.toArray()).toHaveLength(4_000)
    expect((await errorOf(big.find({}).maxTimeMS(-1).toArray())).code).toBe(2)
  })
})

describe('$regex is bounded', () => {
  it('answers a catastrophic-backtracking pattern in linear time', async () => {
    const words = mongo.db().collection('words')
    await words.insertMany([{ w: `${'a'.repeat(25)}!` }, { w: 'aaaa' }, { w: 'AAA' }])
    expect(await words.countDocuments({ w: { $regex: '^(a+)+$' } })).toBe(1)
    expect(await words.countDocuments({ w: /^(a+)+$/ })).toBe(1)
    expect(await words.countDocuments({ w: { $in: [/^(a+)+$/, 'AAA'] } })).toBe(2)
    expect(await words.countDocuments({ w: { $regex: '^a+$', $options: 'i' } })).toBe(2)
    expect(await words.countDocuments({ w: { $not: /^(a+)+$/ } })).toBe(2)
  })

  it('gives the same answers on short values (native engine) and long ones (linear engine)', async () => {
    const texts = mongo.db().collection('texts')
    await texts.insertMany([{ t: 'ab' }, { t: `${'a'.repeat(5000)}b` }, { t: `${'a'.repeat(5000)}c` }, { t: 'AB' }])
    expect(await texts.countDocuments({ t: /a*b$/ })).toBe(2)
    expect(await texts.countDocuments({ t: /^a+b$/i })).toBe(3)
    expect(await texts.countDocuments({ t: { $regex: 'a{2,}c', $options: '' } })).toBe(1)
    expect(await texts.countDocuments({ t: { $in: [/c$/, /^A/] } })).toBe(2)
  })

  it('runs patterns the linear engine cannot (backreferences, lookaround) natively, under a time limit', async () => {
    const words = mongo.db().collection('backrefs')
    await words.insertMany([{ w: 'abab' }, { w: 'abba' }, { w: `${'a'.repeat(40)}!` }])
    expect(await words.countDocuments({ w: { $regex: '^(ab)\\1$' } })).toBe(1)
    expect(await words.countDocuments({ w: { $regex: '^ab(?=b)' } })).toBe(1)
    // Exponential with a backreference: without the limit this would block the server for hours.
    const error = await errorOf(words.countDocuments({ w: { $regex: '^(a+)+\\1$' } }))
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 2, codeName: 'BadValue' })
    expect(error.message).toContain('$regex')
    expect(await words.countDocuments({})).toBe(3)
  })
})
