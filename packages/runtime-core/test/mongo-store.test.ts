import { MongoClient, type Db } from 'mongodb'
import { startMongoEmbedded } from '@scraping-run/mongo-embedded'
import { makeTempDir, testFunctionStore, uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { createExecutor, functionDocumentId, mongoStore } from '@scraping-run/runtime-core'

const vitestApi = { describe, it, expect, beforeEach, afterEach }
const clients: MongoClient[] = []
afterAll(async () => {
  for (const client of clients) await client.close()
})

async function freshDb(uri = inject('mongoUri')): Promise<Db> {
  const client = new MongoClient(uri)
  clients.push(client)
  return client.db(uniqueDbName('store'))
}

function putDoc(db: Db, environment: string, record: { name: string; source: string; language?: 'ts' | 'js' }) {
  return db.collection('__functions__').replaceOne(
    { _id: functionDocumentId(environment, record.name) as never },
    { schemaVersion: 1, environment, name: record.name, source: record.source, ...(record.language ? { language: record.language } : {}) },
    { upsert: true },
  )
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

testFunctionStore(
  'mongoStore',
  async () => {
    const db = await freshDb()
    return {
      store: mongoStore({ db }),
      put: async (record) => void (await putDoc(db, 'dev', record)),
      remove: async (name) => void (await db.collection('__functions__').deleteOne({ _id: functionDocumentId('dev', name) as never })),
      putInvalid: async (name) => void (await putDoc(db, 'dev', { name, source: 'export default () => 1' })),
      dispose: () => db.dropDatabase().then(() => undefined),
    }
  },
  vitestApi,
)

describe('mongoStore', () => {
  it('serves one environment: another environment\'s functions and changes are invisible', async () => {
    const db = await freshDb()
    await putDoc(db, 'dev', { name: 'hello', source: 'export default () => "dev"' })
    await putDoc(db, 'prod', { name: 'hello', source: 'export default () => "prod"' })
    const prod = mongoStore({ db, environment: 'prod' })
    const events: unknown[] = []
    prod.watch((event) => events.push(event))
    await prod.ready()
    expect((await prod.list()).map((record) => record.source)).toEqual(['export default () => "prod"'])
    await putDoc(db, 'dev', { name: 'hello', source: 'export default () => "dev 2"' })
    await putDoc(db, 'prod', { name: 'other', source: 'export default () => 1' })
    await eventually(async () => events, (list) => list.length > 0, 'an event')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(events).toEqual([{ type: 'set', name: 'other', hash: expect.any(String) }])
    await prod.close()
  })

  it('unsubscribing and subscribing again at once gives one event per change (no second stream left behind)', async () => {
    const db = await freshDb()
    const store = mongoStore({ db })
    store.watch(() => undefined)()
    const events: unknown[] = []
    store.watch((event) => events.push(event))
    await store.ready()
    await putDoc(db, 'dev', { name: 'once', source: 'export default () => 1' })
    await eventually(async () => events.length, (count) => count > 0, 'an event')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(events).toEqual([{ type: 'set', name: 'once', hash: expect.any(String) }])
    await store.close()
  })

  it('refuses a bad environment and a missing db', () => {
    expect(() => mongoStore({ db: undefined as never })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => mongoStore({ db: {} as never })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })

  it('hot-reloads exactly the changed function in an executor; others keep their module state', async () => {
    const db = await freshDb()
    const counter = (label: string) => `let calls = 0\nexport default () => ({ label: ${JSON.stringify(label)}, calls: ++calls })`
    await putDoc(db, 'dev', { name: 'a', source: counter('a1') })
    await putDoc(db, 'dev', { name: 'b', source: counter('b1') })
    const store = mongoStore({ db })
    const executor = createExecutor({ store })
    await store.ready()
    expect((await executor.invoke('a')).data).toEqual({ label: 'a1', calls: 1 })
    expect((await executor.invoke('b')).data).toEqual({ label: 'b1', calls: 1 })
    await putDoc(db, 'dev', { name: 'a', source: counter('a2') })
    await eventually(async () => (await executor.invoke('a')).data, (data: any) => data?.label === 'a2', 'a2 served')
    expect((await executor.invoke('b')).data).toEqual({ label: 'b1', calls: 2 })
    await db.collection('__functions__').deleteOne({ _id: functionDocumentId('dev', 'b') as never })
    await eventually(async () => (await executor.invoke('b')).error?.code, (code) => code === 'FUNCTION_NOT_FOUND', 'b gone')
    await executor.close()
    await store.close()
  })

  it('keeps serving after the server restarts (same dbPath): a publish made after the restart is served', async () => {
    const { dir, cleanup } = await makeTempDir('mongo-restart-')
    let server = await startMongoEmbedded({ dbPath: dir })
    const port = server.port
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 20_000 })
    try {
      const db = client.db('restart')
      await putDoc(db, 'dev', { name: 'v', source: 'export default () => 1' })
      const store = mongoStore({ db })
      const executor = createExecutor({ store })
      await store.ready()
      expect((await executor.invoke('v')).data).toBe(1)
      await server.stop()
      server = await startMongoEmbedded({ dbPath: dir, port })
      // Written while the store may still be reconnecting: its old resume token is unknown to the new server. The test's
      // own client may need a retry too (its pooled connections died with the server).
      await eventually(() => putDoc(db, 'dev', { name: 'v', source: 'export default () => 2' }).then(() => true, () => false), (ok) => ok, 'the write after the restart')
      await eventually(async () => (await executor.invoke('v')).data, (data) => data === 2, 'version 2 served', 25_000)
      await putDoc(db, 'dev', { name: 'v', source: 'export default () => 3' })
      await eventually(async () => (await executor.invoke('v')).data, (data) => data === 3, 'version 3 served')
      await executor.close()
      await store.close()
    } finally {
      await client.close()
      await server.stop()
      await cleanup()
    }
  }, 60_000)
})
