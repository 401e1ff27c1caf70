import { MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

describe('transactions', () => {
  it('commits every write at once, invisible to others until then', async () => {
    const accounts = mongo.db().collection('accounts')
    await accounts.insertMany([{ name: 'a', balance: 100 }, { name: 'b', balance: 0 }])
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await accounts.updateOne({ name: 'a' }, { $inc: { balance: -30 } }, { session })
      await accounts.updateOne({ name: 'b' }, { $inc: { balance: 30 } }, { session })
      await accounts.insertOne({ name: 'log', amount: 30 }, { session })
      expect(await accounts.findOne({ name: 'b' }, { session })).toMatchObject({ balance: 30 })
      expect(await accounts.findOne({ name: 'b' })).toMatchObject({ balance: 0 })
      expect(await accounts.countDocuments({ name: 'log' })).toBe(0)
      await session.commitTransaction()
    } finally {
      await session.endSession()
    }
    expect((await accounts.find({}, { projection: { _id: 0 } }).sort({ name: 1 }).toArray())).toEqual([
      { name: 'a', balance: 70 },
      { name: 'b', balance: 30 },
      { name: 'log', amount: 30 },
    ])
  })

  it('rolls back on abort, including created documents', async () => {
    const items = mongo.db().collection('items')
    await items.insertOne({ k: 1 })
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await items.insertOne({ k: 2 }, { session })
      await items.deleteOne({ k: 1 }, { session })
      await session.abortTransaction()
    } finally {
      await session.endSession()
    }
    expect(await items.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ k: 1 }])
  })

  it('withTransaction rolls back when the callback throws', async () => {
    const items = mongo.db().collection('items2')
    const session = mongo.client().startSession()
    await expect(
      session.withTransaction(async () => {
        await items.insertOne({ k: 'x' }, { session })
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    await session.endSession()
    expect(await items.countDocuments()).toBe(0)
  })

  it('gives the second writer of a document WriteConflict (112) labelled TransientTransactionError', async () => {
    const docs = mongo.db().collection('conflicts')
    await docs.insertOne({ _id: 1 as never, v: 0 })
    const s1 = mongo.client().startSession()
    const s2 = mongo.client().startSession()
    try {
      s1.startTransaction()
      s2.startTransaction()
      await docs.updateOne({ _id: 1 as never }, { $set: { v: 1 } }, { session: s1 })
      const error = (await docs.updateOne({ _id: 1 as never }, { $set: { v: 2 } }, { session: s2 }).catch((e) => e)) as MongoServerError
      expect(error).toBeInstanceOf(MongoServerError)
      expect(error.code).toBe(112)
      expect(error.hasErrorLabel('TransientTransactionError')).toBe(true)
      await s2.abortTransaction().catch(() => {})
      await s1.commitTransaction()
    } finally {
      await s1.endSession()
      await s2.endSession()
    }
    expect(await docs.findOne({ _id: 1 as never })).toEqual({ _id: 1, v: 1 })
  })

  it('withTransaction retries a transaction that hit a conflict, and the last writer wins cleanly', async () => {
    const docs = mongo.db().collection('retry')
    await docs.insertOne({ _id: 1 as never, n: 0 })
    const increment = async () => {
      const session = mongo.client().startSession()
      try {
        await session.withTransaction(async () => {
          const doc = await docs.findOne({ _id: 1 as never }, { session })
          await docs.updateOne({ _id: 1 as never }, { $set: { n: doc!.n + 1 } }, { session })
        })
      } finally {
        await session.endSession()
      }
    }
    await Promise.all([increment(), increment(), increment()])
    expect(await docs.findOne({ _id: 1 as never })).toEqual({ _id: 1, n: 3 })
  })

  it('aborts the transaction on a duplicate key inside it', async () => {
    const docs = mongo.db().collection('dupInTxn')
    await docs.insertOne({ _id: 1 as never })
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await docs.insertOne({ _id: 2 as never }, { session })
      await expect(docs.insertOne({ _id: 1 as never }, { session })).rejects.toMatchObject({ code: 11000 })
      await expect(session.commitTransaction()).rejects.toMatchObject({ code: 251 })
    } finally {
      await session.endSession()
    }
    expect(await docs.countDocuments()).toBe(1)
  })

  it('refuses commands MongoDB refuses in a transaction, and reports a w no replica set here can meet as unsatisfiable', async () => {
    const docs = mongo.db().collection('rules')
    await docs.insertOne({ a: 1 })
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await expect(docs.count({}, { session })).rejects.toMatchObject({ code: 263 })
      await session.abortTransaction().catch(() => {})
    } finally {
      await session.endSession()
    }
    await expect(docs.insertOne({ a: 2 }, { writeConcern: { w: 50, wtimeoutMS: 100 } })).rejects.toMatchObject({ code: 100 })
  })
})
