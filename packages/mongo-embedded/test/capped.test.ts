import { describe, expect, it } from 'vitest'
import { errorOf, useMongo } from './support.js'

const mongo = useMongo()

describe('capped collections and tailable cursors', () => {
  it('keeps the newest documents within max and size, in insertion order', async () => {
    const log = await mongo.db().createCollection('log', { capped: true, size: 100_000, max: 3 })
    for (let n = 1; n <= 5; n++) await log.insertOne({ n })
    expect((await log.find().toArray()).map((d) => d.n)).toEqual([3, 4, 5])
    expect((await log.find().sort({ $natural: -1 }).toArray()).map((d) => d.n)).toEqual([5, 4, 3])
    const small = await mongo.db().createCollection('small', { capped: true, size: 300 })
    for (let n = 0; n < 20; n++) await small.insertOne({ n, pad: 'x'.repeat(50) })
    const kept = await small.find().toArray()
    expect(kept.length).toBeLessThan(20)
    expect(kept.at(-1)!.n).toBe(19)
    expect(((await mongo.db().listCollections({ name: 'log' }).toArray())[0] as { options?: unknown }).options).toMatchObject({ capped: true, size: 100_000, max: 3 })
    expect((await errorOf(mongo.db().createCollection('nosize', { capped: true }))).code).toBe(72)
  })

  it('serves tailable cursors that return documents inserted later, waiting with awaitData', async () => {
    const events = await mongo.db().createCollection('events', { capped: true, size: 100_000 })
    await events.insertMany([{ n: 1 }, { n: 2 }])
    const cursor = events.find({ n: { $gt: 0 } }, { tailable: true, awaitData: true, maxAwaitTimeMS: 200 })
    try {
      expect((await cursor.next())!.n).toBe(1)
      expect((await cursor.next())!.n).toBe(2)
      // Nothing yet: an awaitData getMore waits, then the stream goes on once a document arrives.
      const later = cursor.next()
      await events.insertMany([{ n: -1 }, { n: 3 }])
      expect((await later)!.n).toBe(3)
      expect(cursor.closed).toBe(false)
    } finally {
      await cursor.close()
    }
    const plain = mongo.db().collection('plain-coll')
    await plain.insertOne({ a: 1 })
    expect((await errorOf(plain.find({}, { tailable: true }).toArray())).code).toBe(2)
  })
})
