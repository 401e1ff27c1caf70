import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { uniqueDbName } from '@scraping-run/test-utils'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createExecutor, envRegistry, memorySink, memoryStore, mongoEnv, redactingSink, type Executor, type LiveEnv } from '@scraping-run/runtime-core'

const clients: MongoClient[] = []
const closers: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  for (const closer of closers) await closer.close()
  for (const client of clients) await client.close()
})

function freshDb(): Db {
  const client = new MongoClient(inject('mongoUri'))
  clients.push(client)
  return client.db(uniqueDbName('env'))
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const READ_ENV = `import cloud from '@scraping-run/cloud'
export default (ctx: any) => ({ ctx: ctx.env.GREETING ?? null, process: process.env.GREETING ?? null, cloud: cloud.env.GREETING ?? null })`

describe('env and secrets in MongoDB', () => {
  it('a change reaches ctx.env, process.env and cloud.env of a running function without a restart', async () => {
    const db = freshDb()
    const admin = envRegistry({ db })
    await admin.set({ environment: 'dev', name: 'GREETING', value: 'hello' })
    const live = mongoEnv({ db, environment: 'dev', defaults: { OTHER: 'kept' } })
    closers.push(live)
    await live.ready()
    const executor: Executor = createExecutor({ store: memoryStore([{ name: 'read', source: READ_ENV }]), env: live.env })
    closers.push(executor)
    expect((await executor.invoke('read')).data).toEqual({ ctx: 'hello', process: 'hello', cloud: 'hello' })
    await admin.set({ environment: 'dev', name: 'GREETING', value: 'bonjour' })
    // Another environment's change is not seen.
    await admin.set({ environment: 'prod', name: 'GREETING', value: 'prod value' })
    const changed = await eventually(async () => (await executor.invoke('read')).data as any, (data) => data.ctx === 'bonjour')
    expect(changed).toEqual({ ctx: 'bonjour', process: 'bonjour', cloud: 'bonjour' })
    await admin.delete({ environment: 'dev', name: 'GREETING' })
    expect(await eventually(async () => (await executor.invoke('read')).data as any, (data) => data.ctx === null)).toEqual({ ctx: null, process: null, cloud: null })
    expect(live.env.OTHER).toBe('kept')
  })

  it('secrets: encrypted at rest (AES-256-GCM), listed by name and time only, decrypted for functions, redacted from logs', async () => {
    const db = freshDb()
    const key = randomBytes(32)
    const admin = envRegistry({ db, secretKey: key })
    const value = 'sk_live_0123456789abcdef'
    await admin.set({ environment: 'prod', name: 'API_KEY', value, secret: true, by: 'ada' })
    await admin.set({ environment: 'prod', name: 'PLAIN', value: 'visible' })

    const stored = JSON.stringify(await db.collection('__env__').find({}).toArray())
    expect(stored).not.toContain(value)
    expect(stored).toContain('aes-256-gcm')
    const listed = await admin.list({ environment: 'prod' })
    expect(listed).toEqual([
      { name: 'API_KEY', secret: true, updatedAt: expect.any(Date), updatedBy: 'ada' },
      { name: 'PLAIN', secret: false, updatedAt: expect.any(Date), updatedBy: null },
    ])
    expect(JSON.stringify(listed)).not.toContain(value)

    const live: LiveEnv = mongoEnv({ db, environment: 'prod', secretKey: key.toString('hex') })
    closers.push(live)
    await live.ready()
    const sink = memorySink()
    const executor = createExecutor({
      store: memoryStore([{ name: 'leak', source: `export default (ctx: any) => { console.log('key is', ctx.env.API_KEY); throw new Error('bad key ' + ctx.env.API_KEY) }` }]),
      env: live.env,
      logSink: redactingSink(sink, () => live.secretValues()),
    })
    closers.push(executor)
    await executor.invoke('leak')
    expect(sink.records).toHaveLength(1)
    const logged = JSON.stringify(sink.records)
    expect(logged).not.toContain(value)
    expect(logged).toContain('key is [redacted]')
    expect(sink.records[0]!.error!.message).toBe('bad key [redacted]')
  })

  it('refuses a secret without a key, a bad key, and a wrong key cannot decrypt', async () => {
    const db = freshDb()
    await expect(envRegistry({ db }).set({ environment: 'dev', name: 'S', value: 'x', secret: true })).rejects.toMatchObject({ code: 'SECRET_KEY_INVALID' })
    expect(() => envRegistry({ db, secretKey: 'short' })).toThrow(expect.objectContaining({ code: 'SECRET_KEY_INVALID' }))
    await expect(envRegistry({ db }).set({ environment: 'dev', name: 'bad-name', value: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await envRegistry({ db, secretKey: randomBytes(32) }).set({ environment: 'dev', name: 'S', value: 'secret-value' , secret: true })
    const live = mongoEnv({ db, environment: 'dev', secretKey: randomBytes(32) })
    closers.push(live)
    await live.ready()
    expect(live.env.S).toBeUndefined()
  })
})
