import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from './support.js'

const mongo = useMongo()
// Short getMore waits keep the test quick; events arrive as soon as they exist either way.
const fast = { maxAwaitTimeMS: 100 }

/** Waits for the stream's server cursor to be open, so writes made next are seen. */
async function opened(stream: ChangeStream<any, any>) {
  await stream.tryNext()
  return stream
}

async function take(stream: ChangeStream<any, any>, count: number): Promise<any[]> {
  const events: any[] = []
  while (events.length < count) events.push(await stream.next())
  return events
}

describe('change streams', () => {
  it('reports insert, update (with updateDescription), replace, delete and drop on a collection', async () => {
    const coll = mongo.db().collection('watched')
    await coll.insertOne({ seed: true })
    const stream = await opened(coll.watch([], fast))
    try {
      const { insertedId } = await coll.insertOne({ a: 1, nested: { x: 1, y: 2 } })
      await coll.updateOne({ _id: insertedId }, { $set: { 'nested.x': 5, b: 2 }, $unset: { a: '' } })
      await coll.replaceOne({ _id: insertedId }, { replaced: true })
      await coll.deleteOne({ _id: insertedId })
      await coll.drop()
      const events = (await take(stream, 6)) as ChangeStreamDocument[]
      expect(events.map((event) => event.operationType)).toEqual(['insert', 'update', 'replace', 'delete', 'drop', 'invalidate'])
      const [insert, update, replace, remove] = events as any[]
      expect(insert.fullDocument).toEqual({ _id: insertedId, a: 1, nested: { x: 1, y: 2 } })
      expect(insert.documentKey).toEqual({ _id: insertedId })
      expect(insert.ns).toEqual({ db: mongo.db().databaseName, coll: 'watched' })
      expect(update.updateDescription.updatedFields).toEqual({ 'nested.x': 5, b: 2 })
      expect(update.updateDescription.removedFields).toEqual(['a'])
      expect(replace.fullDocument).toEqual({ _id: insertedId, replaced: true })
      expect(remove.documentKey).toEqual({ _id: insertedId })
      for (const event of events) expect(event._id).toBeDefined()
    } finally {
      await stream.close()
    }
  })

  it("looks the current document up with fullDocument: 'updateLookup'", async () => {
    const coll = mongo.db().collection('lookup')
    const { insertedId } = await coll.insertOne({ n: 1 })
    const stream = await opened(coll.watch([], { ...fast, fullDocument: 'updateLookup' }))
    try {
      await coll.updateOne({ _id: insertedId }, { $inc: { n: 1 } })
      const [event] = (await take(stream, 1)) as any[]
      expect(event.operationType).toBe('update')
      expect(event.fullDocument).toEqual({ _id: insertedId, n: 2 })
    } finally {
      await stream.close()
    }
  })

  it('resumes after a given event with resumeAfter and startAfter', async () => {
    const coll = mongo.db().collection('resume')
    const stream = await opened(coll.watch([], fast))
    await coll.insertMany([{ n: 1 }, { n: 2 }, { n: 3 }])
    const [first] = (await take(stream, 1)) as any[]
    await stream.close()
    for (const option of ['resumeAfter', 'startAfter'] as const) {
      const resumed = coll.watch([], { ...fast, [option]: first._id })
      try {
        const events = (await take(resumed, 2)) as any[]
        expect(events.map((event) => event.fullDocument.n)).toEqual([2, 3])
      } finally {
        await resumed.close()
      }
    }
  })

  it('applies user stages after $changeStream, and watches a database and the whole client', async () => {
    const db = mongo.db()
    const dbStream = await opened(db.watch([{ $match: { 'fullDocument.keep': true } }, { $project: { 'fullDocument.secret': 0 } }], fast))
    const clientStream = await opened(mongo.client().watch([{ $match: { 'ns.coll': 'second' } }], fast))
    try {
      await db.collection('first').insertOne({ keep: false })
      await db.collection('first').insertOne({ keep: true, secret: 's', shown: 1 })
      await db.collection('second').insertOne({ keep: true, other: 1 })
      const dbEvents = (await take(dbStream, 2)) as any[]
      expect(dbEvents.map((event) => [event.ns.coll, event.fullDocument.secret, event.fullDocument.keep])).toEqual([
        ['first', undefined, true],
        ['second', undefined, true],
      ])
      const [clientEvent] = (await take(clientStream, 1)) as any[]
      expect(clientEvent.fullDocument).toMatchObject({ other: 1 })
    } finally {
      await dbStream.close()
      await clientStream.close()
    }
  })

  it('reports a committed transaction, and nothing from an aborted one', async () => {
    const coll = mongo.db().collection('txnEvents')
    await coll.insertOne({ seed: 1 })
    const stream = await opened(coll.watch<Document>([], fast))
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await coll.insertOne({ aborted: true }, { session })
      await session.abortTransaction()
      await session.withTransaction(async () => {
        await coll.insertOne({ committed: 1 }, { session })
        await coll.insertOne({ committed: 2 }, { session })
      })
      const events = (await take(stream, 2)) as any[]
      expect(events.map((event) => event.fullDocument.committed)).toEqual([1, 2])
    } finally {
      await session.endSession()
      await stream.close()
    }
  })

  it('starts at an operation time', async () => {
    const coll = mongo.db().collection('atTime')
    const session = mongo.client().startSession()
    await coll.insertOne({ n: 1 }, { session })
    const time = session.operationTime!
    await session.endSession()
    await coll.insertOne({ n: 2 })
    const stream = coll.watch([], { ...fast, startAtOperationTime: time })
    try {
      const events = (await take(stream, 2)) as any[]
      expect(events.map((event) => event.fullDocument.n)).toEqual([1, 2])
    } finally {
      await stream.close()
    }
  })

  it('resumes by itself after the server lost its cursor (CursorNotFound), missing no event', async () => {
    const coll = mongo.db().collection('lost')
    const stream = await opened(coll.watch([], fast))
    try {
      await coll.insertOne({ n: 1 })
      expect((await take(stream, 1))[0].fullDocument.n).toBe(1)
      const id = (stream as any).cursor.id
      expect(id).toBeDefined()
      await mongo.db().command({ killCursors: 'lost', cursors: [id] })
      await coll.insertOne({ n: 2 })
      await coll.insertOne({ n: 3 })
      expect((await take(stream, 2)).map((event) => event.fullDocument.n)).toEqual([2, 3])
    } finally {
      await stream.close()
    }
  })

  it('gives pre- and post-images only where changeStreamPreAndPostImages is enabled', async () => {
    const db = mongo.db()
    await db.createCollection('images', { changeStreamPreAndPostImages: { enabled: true } })
    await db.createCollection('noImages')
    const withImages = db.collection('images')
    const without = db.collection('noImages')
    await withImages.insertOne({ _id: 1 as never, v: 1 })
    await without.insertOne({ _id: 1 as never, v: 1 })
    const options = { ...fast, fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' } as const
    const a = await opened(withImages.watch([], options))
    const b = await opened(without.watch([], options))
    try {
      await withImages.updateOne({ _id: 1 as never }, { $set: { v: 2 } })
      await without.updateOne({ _id: 1 as never }, { $set: { v: 2 } })
      const [withEvent] = await take(a, 1)
      expect(withEvent.fullDocument).toEqual({ _id: 1, v: 2 })
      expect(withEvent.fullDocumentBeforeChange).toEqual({ _id: 1, v: 1 })
      const [withoutEvent] = await take(b, 1)
      expect(withoutEvent.fullDocument).toBeNull()
      expect(withoutEvent.fullDocumentBeforeChange).toBeNull()
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('refuses an unknown stage, and an event whose _id the pipeline removed', async () => {
    const coll = mongo.db().collection('badStages')
    await expect(opened(coll.watch([{ $unsupported: {} }], fast))).rejects.toMatchObject({ code: 40324 })
    const stream = await opened(coll.watch([{ $project: { _id: 0 } }], fast))
    try {
      await coll.insertOne({ a: 1 })
      await expect(stream.next()).rejects.toMatchObject({ code: 280 })
    } finally {
      await stream.close()
    }
  })
})
