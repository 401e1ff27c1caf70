import type { MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

describe('snapshot reads', () => {
  it('reads one point in time across commands and collections in a snapshot session', async () => {
    const db = mongo.db()
    const a = db.collection('snap-a')
    const b = db.collection('snap-b')
    await a.insertOne({ n: 1 })
    await b.insertOne({ n: 1 })
    const session = mongo.client().startSession({ snapshot: true })
    try {
      expect(await a.find({}, { session }).toArray()).toHaveLength(1)
      await a.insertOne({ n: 2 })
      await b.insertOne({ n: 2 })
      await b.deleteMany({ n: 1 })
      expect(await a.find({}, { session }).toArray()).toHaveLength(1)
      expect((await b.find({}, { session }).toArray()).map((d) => d.n)).toEqual([1])
      expect(await a.aggregate([{ $count: 'n' }], { session }).toArray()).toEqual([{ n: 1 }])
      expect(await b.distinct('n', {}, { session })).toEqual([1])
      expect((session as unknown as { snapshotTime?: unknown }).snapshotTime).toBeDefined()
    } finally {
      await session.endSession()
    }
    const fresh = mongo.client().startSession({ snapshot: true })
    try {
      expect(await a.find({}, { session: fresh }).toArray()).toHaveLength(2)
      const error = (await a.countDocuments({}, { session: fresh }).then(() => undefined, (e: MongoServerError) => e)) as MongoServerError | undefined
      // countDocuments is an aggregate, which snapshot sessions may run.
      expect(error).toBeUndefined()
      const refused = await db.command({ count: 'snap-a', readConcern: { level: 'snapshot' } }).then(() => undefined, (e: MongoServerError) => e)
      expect(refused?.code).toBe(72)
    } finally {
      await fresh.endSession()
    }
  })
})
