import type { ChangeStream } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()

async function take(stream: ChangeStream<any, any>, count: number): Promise<any[]> {
  const events: any[] = []
  while (events.length < count) events.push(await stream.next())
  return events
}

describe('expanded change events', () => {
  it('reports create, createIndexes, modify and dropIndexes with collectionUUID only to showExpandedEvents streams', async () => {
    const db = mongo.db()
    const expanded = db.watch([], { showExpandedEvents: true, maxAwaitTimeMS: 100 })
    const plain = db.watch([], { maxAwaitTimeMS: 100 })
    await expanded.tryNext()
    await plain.tryNext()
    try {
      const coll = await db.createCollection('ddl')
      await coll.createIndex({ a: 1 })
      await db.command({ collMod: 'ddl', validationLevel: 'moderate' })
      await coll.dropIndex('a_1')
      const { insertedId } = await coll.insertOne({ a: 1 })
      await coll.updateOne({ _id: insertedId }, { $set: { a: 2 } })
      const events = await take(expanded, 6)
      expect(events.map((event) => event.operationType)).toEqual(['create', 'createIndexes', 'modify', 'dropIndexes', 'insert', 'update'])
      const [uuid] = (await db.listCollections({ name: 'ddl' }).toArray()).map((entry: any) => entry.info.uuid.toHexString())
      for (const event of events) expect(event.collectionUUID.toHexString()).toBe(uuid)
      expect(events[0].operationDescription).toMatchObject({ idIndex: { key: { _id: 1 }, name: '_id_' } })
      expect(events[1].operationDescription).toMatchObject({ indexes: [{ key: { a: 1 }, name: 'a_1' }] })
      expect(events[2].operationDescription).toMatchObject({ validationLevel: 'moderate' })
      expect(events[3].operationDescription).toMatchObject({ indexes: [{ name: 'a_1' }] })
      expect(events[5].updateDescription).toMatchObject({ updatedFields: { a: 2 }, disambiguatedPaths: {} })
      const seen = await take(plain, 2)
      expect(seen.map((event) => event.operationType)).toEqual(['insert', 'update'])
      expect(seen[0].collectionUUID).toBeUndefined()
    } finally {
      await expanded.close()
      await plain.close()
    }
  })
})
