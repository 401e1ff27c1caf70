// The same server through the 6.x line of the official driver (installed under the alias `mongodb6`).
import { MongoClient } from 'mongodb6'
import { describe, expect, it } from 'vitest'
import { type MongoEmbedded, startMongoEmbedded } from '@scraping-run/mongo-embedded'
import { afterAll, beforeAll } from 'vitest'

let server: MongoEmbedded | undefined
let client: MongoClient

beforeAll(async () => {
  if (!process.env.MONGODB_URL) server = await startMongoEmbedded()
  client = await MongoClient.connect(process.env.MONGODB_URL ?? server!.uri)
})
afterAll(async () => {
  await client?.db('driver6').dropDatabase()
  await client?.close()
  await server?.stop()
})

describe('mongodb driver 6.x', () => {
  it('connects and runs CRUD, cursors, indexes, transactions and change streams', async () => {
    const db = client.db('driver6')
    const items = db.collection('items')
    await items.createIndex({ sku: 1 }, { unique: true })
    await items.insertMany(Array.from({ length: 250 }, (_, n) => ({ sku: `s${n}`, n })))
    expect(await items.countDocuments({ n: { $lt: 100 } })).toBe(100)
    expect((await items.find({}, { batchSize: 30 }).sort({ n: -1 }).toArray())[0]).toMatchObject({ n: 249 })
    await expect(items.insertOne({ sku: 's1' })).rejects.toMatchObject({ code: 11000 })

    const stream = items.watch([], { maxAwaitTimeMS: 100 })
    await stream.tryNext()
    const session = client.startSession()
    await session.withTransaction(async () => {
      await items.updateOne({ sku: 's1' }, { $set: { sold: true } }, { session })
    })
    await session.endSession()
    const event = await stream.next()
    expect(event).toMatchObject({ operationType: 'update', updateDescription: { updatedFields: { sold: true } } })
    await stream.close()
  })

  it('sees index plans in explain, validators (121) and views', async () => {
    const db = client.db('driver6')
    const items = db.collection('items')
    const explained = await items.find({ sku: 's7' }).explain('executionStats')
    expect(explained.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'sku_1' })
    expect(explained.executionStats.totalDocsExamined).toBe(1)
    const checked = await db.createCollection('checked', { validator: { $jsonSchema: { required: ['a'] } } })
    await expect(checked.insertOne({ b: 1 })).rejects.toMatchObject({ code: 121, errInfo: { details: { operatorName: '$jsonSchema' } } })
    await db.createCollection('cheap', { viewOn: 'items', pipeline: [{ $match: { n: { $lt: 3 } } }] })
    expect(await db.collection('cheap').estimatedDocumentCount()).toBe(3)
  })
})
