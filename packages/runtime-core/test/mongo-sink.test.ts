import { startMongoEmbedded } from '@scraping-run/mongo-embedded'
import { getFreePort, makeTempDir, testLogSink, uniqueDbName } from '@scraping-run/test-utils'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createExecutor, memoryStore, mongoSink, type InvocationLog } from '@scraping-run/runtime-core'

let client: MongoClient
beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'))
  await client.connect()
})
afterAll(async () => {
  await client.close()
})

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

testLogSink('mongoSink', async () => {
  const db = client.db(uniqueDbName('logsink'))
  const sink = mongoSink({ db, flushMs: 20 })
  return { sink, read: () => db.collection('__logs__').find().toArray(), dispose: () => db.dropDatabase().then(() => undefined) }
}, { createExecutor, memoryStore }, { read: true, query: true })

describe('mongoSink', () => {
  it('10,000 invocations → 10,000 records after close(), with a TTL index on startedAt', async () => {
    const db = client.db(uniqueDbName('logs-10k'))
    const sink = mongoSink({ db, ttlDays: 3 })
    const executor = createExecutor({ store: memoryStore([{ name: 'n', source: 'export default (ctx: any) => ctx.body' }]), logSink: sink })
    for (let chunk = 0; chunk < 10; chunk++) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => executor.invoke('n', { body: chunk * 1000 + i, requestId: `r${chunk * 1000 + i}` })))
    }
    await executor.close()
    const logs = db.collection('__logs__')
    expect(await logs.countDocuments()).toBe(10_000)
    expect(sink.stats()).toEqual({ written: 10_000, dropped: 0, failed: 0, queued: 0, writing: 0 })
    expect(await logs.distinct('requestId')).toHaveLength(10_000)
    const one = await logs.findOne({ requestId: 'r4242' })
    expect(one).toMatchObject({ functionName: 'n', status: 'ok', trigger: { kind: 'invoke', caller: null } })
    expect(one!.startedAt).toBeInstanceOf(Date)
    const indexes = await logs.listIndexes().toArray()
    expect(indexes.find((index) => index.name === 'startedAt_ttl')).toMatchObject({ key: { startedAt: 1 }, expireAfterSeconds: 3 * 86_400 })
    expect(indexes.find((index) => index.name === 'requestId')).toMatchObject({ key: { requestId: 1 } })
    await db.dropDatabase()
  }, 120_000)

  it('writes a full batch on its own, holds a partial one until flushMs or flush()', async () => {
    const db = client.db(uniqueDbName('logs-batch'))
    const dropped: unknown[] = []
    const sink = mongoSink({ db, batchSize: 10, flushMs: 60_000, onError: (error) => void dropped.push(error) })
    const record = (i: number): InvocationLog => ({ functionName: 'b', requestId: `b${i}`, trigger: { kind: 'invoke', caller: null }, cold: false, startedAt: new Date(), durationMs: 1, status: 'ok', logs: [] })
    for (let i = 0; i < 10; i++) sink.write(record(i))
    await eventually(async () => (await db.collection('__logs__').countDocuments()) === 10, 'the full batch')
    for (let i = 10; i < 15; i++) sink.write(record(i))
    expect(sink.stats().queued).toBe(5)
    await sink.flush()
    expect(await db.collection('__logs__').countDocuments()).toBe(15)
    await sink.close()
    sink.write(record(99))
    expect(sink.stats()).toMatchObject({ written: 15, dropped: 1 })
    expect(dropped).toEqual([expect.objectContaining({ code: 'LOG_QUEUE_FULL', message: expect.stringContaining('the sink is closed') })])
    await db.dropDatabase()
  })

  it('MongoDB stopped mid-run: invocations still succeed, the queue stays bounded and drops are counted; it recovers when MongoDB returns', async () => {
    const port = await getFreePort()
    const { dir, cleanup } = await makeTempDir('logs-outage-')
    let server = await startMongoEmbedded({ port, dbPath: dir })
    const own = new MongoClient(server.uri, { serverSelectionTimeoutMS: 300, heartbeatFrequencyMS: 500 })
    const errors: unknown[] = []
    const db = own.db('outage')
    const sink = mongoSink({ db, batchSize: 20, flushMs: 20, maxQueue: 100, onError: (error) => void errors.push(error) })
    const executor = createExecutor({ store: memoryStore([{ name: 'n', source: 'export default () => 1' }]), logSink: sink })
    try {
      for (let i = 0; i < 50; i++) await executor.invoke('n')
      await sink.flush()
      expect(sink.stats().written).toBe(50)

      await server.stop()
      const results = await Promise.all(Array.from({ length: 500 }, () => executor.invoke('n')))
      expect(results.every((result) => result.data === 1 && !result.error)).toBe(true)
      await sink.flush()
      const down = sink.stats()
      expect(down.queued).toBeLessThanOrEqual(100)
      expect(down.dropped).toBeGreaterThanOrEqual(500 - 100 - 20)
      expect(errors.some((error) => (error as { code?: string }).code === 'LOG_QUEUE_FULL')).toBe(true)

      server = await startMongoEmbedded({ port, dbPath: dir })
      await eventually(async () => {
        await sink.flush()
        return sink.stats().queued === 0
      }, 'the queue to drain after MongoDB came back')
      for (let i = 0; i < 10; i++) await executor.invoke('n')
      await executor.close()
      const after = sink.stats()
      // Every record was either written or counted as dropped; none twice.
      expect(after.written + after.dropped).toBe(560)
      expect(after.failed).toBe(0)
      expect(after.written).toBeGreaterThanOrEqual(50 + 10 + 1)
      expect(await db.collection('__logs__').countDocuments()).toBe(after.written)
    } finally {
      await executor.close()
      await own.close()
      await server.stop()
      await cleanup()
    }
  }, 60_000)

  it('close() with MongoDB down returns after closeTimeoutMs and counts what it could not write', async () => {
    const port = await getFreePort()
    const server = await startMongoEmbedded({ port })
    const own = new MongoClient(server.uri, { serverSelectionTimeoutMS: 60_000 })
    const sink = mongoSink({ db: own.db('closing'), flushMs: 10, closeTimeoutMs: 200, onError: () => undefined })
    const record: InvocationLog = { functionName: 'c', requestId: 'c1', trigger: { kind: 'invoke', caller: null }, cold: false, startedAt: new Date(), durationMs: 1, status: 'ok', logs: [] }
    try {
      sink.write(record)
      await sink.flush()
      expect(sink.stats().written).toBe(1)
      await server.stop()
      for (let i = 0; i < 30; i++) sink.write({ ...record, requestId: `c${i + 2}` })
      // The driver would wait 60 s for a server; close() must not.
      await sink.close()
      // What was queued is dropped now; the insertMany under way is settled when the driver gives up (here: client closed).
      const closed = sink.stats()
      expect(closed.dropped + closed.writing).toBe(30)
      expect(closed.queued).toBe(0)
      await own.close()
      await eventually(() => sink.stats().writing === 0, 'the attempt under way to settle')
      expect(sink.stats()).toEqual({ written: 1, dropped: 30, failed: 0, queued: 0, writing: 0 })
    } finally {
      await own.close()
      await server.stop()
    }
  })

  it('refuses bad options with BAD_REQUEST', () => {
    const db = client.db('unused')
    expect(() => mongoSink({} as never)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    for (const bad of [{ batchSize: 0 }, { maxQueue: 1.5 }, { flushMs: -1 }, { ttlDays: 0 }, { collection: '' }, { closeTimeoutMs: 0 }]) {
      expect(() => mongoSink({ db, ...bad })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    }
  })
})
